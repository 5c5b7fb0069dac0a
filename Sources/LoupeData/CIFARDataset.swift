import Foundation
import LoupeTensor

/// CIFAR-10/100 binary files, read record by record at offsets per batch.
///
/// CIFAR-10 records are 1 label byte + 3072 pixel bytes (1024 R, 1024 G, 1024 B, row-major
/// 32x32); CIFAR-100 records are coarse label, fine label, then the same 3072 bytes. Several
/// files (e.g. `data_batch_1.bin` ... `data_batch_5.bin`) are concatenated in the order given.
public struct CIFARDataset: Dataset {
    /// Which CIFAR binary layout, and for CIFAR-100 which label.
    public enum Variant: String, Codable, Sendable {
        case cifar10
        case cifar100Fine
        case cifar100Coarse

        /// Bytes per record.
        public var recordSize: Int { self == .cifar10 ? 3073 : 3074 }
        /// Offset of the label byte used.
        var labelOffset: Int { self == .cifar100Fine ? 1 : 0 }
        /// Offset of the first pixel byte.
        var pixelOffset: Int { self == .cifar10 ? 1 : 2 }
        /// The file beside the data holding class names, one per line.
        var namesFile: String {
            switch self {
            case .cifar10: return "batches.meta.txt"
            case .cifar100Fine: return "fine_label_names.txt"
            case .cifar100Coarse: return "coarse_label_names.txt"
            }
        }
    }

    public let paths: [String]
    public let variant: Variant
    public let name: String
    public let classNames: [String]
    public let labels: [Int]
    public let preprocessing: Preprocessing
    public let sampleShape: [Int]
    public let fingerprint: String
    private let files: [RandomAccessFile]
    /// For each file, the index of its first record.
    private let firstRecord: [Int]

    /// Opens the files and reads every label; class names come from `classNames`, else from
    /// `batches.meta.txt` (or `fine_label_names.txt` / `coarse_label_names.txt`) beside the first file.
    public init(paths: [String], variant: Variant = .cifar10, classNames: [String]? = nil,
                preprocessing: Preprocessing = Preprocessing(channels: 3)) throws {
        try preprocessing.validate()
        guard let firstPath = paths.first else {
            throw LoupeError(.invalidConfig, location: "dataset.files", "no CIFAR files given")
        }
        self.paths = paths
        self.variant = variant
        self.preprocessing = preprocessing
        name = URL(fileURLWithPath: firstPath).lastPathComponent
        if let classNames {
            self.classNames = classNames
        } else {
            let metaPath = URL(fileURLWithPath: firstPath).deletingLastPathComponent().appendingPathComponent(variant.namesFile).path
            guard let text = try? String(contentsOfFile: metaPath, encoding: .utf8) else {
                throw LoupeError(.io, file: metaPath, "cannot read the class names (give them in the config instead)")
            }
            self.classNames = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        var files = [RandomAccessFile](), firstRecord = [Int](), labels = [Int]()
        let recordSize = variant.recordSize
        let chunkRecords = 1024
        var buffer = [UInt8](repeating: 0, count: chunkRecords * recordSize)
        for path in paths {
            let file = try RandomAccessFile(path: path)
            guard file.size > 0, file.size % recordSize == 0 else {
                throw LoupeError(.invalidInput, file: path,
                                 "size \(file.size) is not a positive multiple of the \(variant.rawValue) record size \(recordSize)")
            }
            firstRecord.append(labels.count)
            let records = file.size / recordSize
            var start = 0
            while start < records {
                let n = min(chunkRecords, records - start)
                try buffer.withUnsafeMutableBytes { try file.read(into: $0, count: n * recordSize, at: start * recordSize) }
                for r in 0..<n { labels.append(Int(buffer[r * recordSize + variant.labelOffset])) }
                start += n
            }
            let fileLabels = Array(labels[(firstRecord.last ?? 0)...])
            try checkLabels(fileLabels, classCount: self.classNames.count, file: path)
            files.append(file)
        }
        self.files = files
        self.firstRecord = firstRecord
        self.labels = labels
        let size = preprocessing.outputSize(height: 32, width: 32)
        sampleShape = [preprocessing.channels, size.height, size.width]
        fingerprint = FingerprintHasher.dataset(kind: "cifar:\(variant.rawValue)", preprocessing: preprocessing,
                                                classNames: self.classNames,
                                                files: paths.map { ($0, URL(fileURLWithPath: $0).lastPathComponent) })
    }

    public var count: Int { labels.count }

    /// The file and record number of sample `index`.
    private func locate(_ index: Int) -> (file: RandomAccessFile, record: Int) {
        var f = firstRecord.count - 1
        while f > 0 && firstRecord[f] > index { f -= 1 }
        return (files[f], index - firstRecord[f])
    }

    public func batch(_ indices: [Int]) throws -> (images: Tensor, labels: [Int]) {
        try checkIndices(indices, file: paths[0])
        let variant = variant
        let located = indices.map { locate($0) }
        let positions = Dictionary(indices.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        let images = try assembleBatch(indices, sampleShape: sampleShape, preprocessing: preprocessing,
                                       sampleName: { "\(paths[0]) record \($0)" }) { index in
            guard let position = positions[index] else { throw LoupeError(.computation, "index \(index) not in batch") }
            let (file, record) = located[position]
            let bytes = try file.read(count: 3072, at: record * variant.recordSize + variant.pixelOffset)
            var values = [Float](repeating: 0, count: 3072)
            // Planar RRR..GGG..BBB to interleaved RGB.
            for p in 0..<1024 {
                values[p * 3] = Float(bytes[p]) / 255
                values[p * 3 + 1] = Float(bytes[1024 + p]) / 255
                values[p * 3 + 2] = Float(bytes[2048 + p]) / 255
            }
            return PixelImage(width: 32, height: 32, channels: 3, values: values)
        }
        return (images, indices.map { labels[$0] })
    }
}
