import Foundation
import LoupeTensor

/// MNIST-style IDX files (unsigned bytes): images with magic 2051 (`N, H, W`), labels with magic 2049 (`N`).
///
/// Either file may be gzipped (detected from its leading bytes). The images are inflated once
/// into memory as bytes (MNIST's test set is 7.8 MB); floats are made per batch only.
public struct IDXDataset: Dataset {
    public let imagesPath: String
    public let labelsPath: String
    public let name: String
    public let classNames: [String]
    public let labels: [Int]
    /// Height and width of each stored image.
    public let imageHeight: Int, imageWidth: Int
    public let preprocessing: Preprocessing
    public let sampleShape: [Int]
    public let fingerprint: String
    private let pixels: [UInt8]
    private let dataOffset: Int

    /// The file size an IDX header declares (header plus one byte per element), once the header is
    /// inflated; a declaration that overflows counts as `Int.max`, which the inflater refuses.
    public static func declaredFileSize(_ prefix: [UInt8]) -> Int? {
        guard prefix.count >= 4 else { return nil }
        let dimensions = Int(prefix[3]), headerLength = 4 + 4 * dimensions
        guard prefix.count >= headerLength else { return nil }
        var total = headerLength
        var elements = 1
        for d in 0..<dimensions {
            let at = 4 + 4 * d
            let size = Int(prefix[at]) << 24 | Int(prefix[at + 1]) << 16 | Int(prefix[at + 2]) << 8 | Int(prefix[at + 3])
            let (product, overflow) = elements.multipliedReportingOverflow(by: size)
            guard !overflow else { return Int.max }
            elements = product
        }
        let (sum, overflow) = total.addingReportingOverflow(elements)
        total = overflow ? Int.max : sum
        return total
    }

    /// MNIST's class names, the digits "0" to "9".
    public static let digitNames = (0..<10).map(String.init)

    /// Reads both files and checks their headers, sizes and labels.
    public init(imagesPath: String, labelsPath: String, classNames: [String] = IDXDataset.digitNames,
                preprocessing: Preprocessing = Preprocessing(channels: 1)) throws {
        try preprocessing.validate()
        self.imagesPath = imagesPath
        self.labelsPath = labelsPath
        self.classNames = classNames
        self.preprocessing = preprocessing
        name = URL(fileURLWithPath: imagesPath).lastPathComponent
        let images = try Gzip.readMaybeCompressed(path: imagesPath, declaredSize: Self.declaredFileSize)
        let imageDims = try Self.header(images, magic: 2051, path: imagesPath)
        let labelBytes = try Gzip.readMaybeCompressed(path: labelsPath, declaredSize: Self.declaredFileSize)
        let labelDims = try Self.header(labelBytes, magic: 2049, path: labelsPath)
        let n = imageDims[0]
        imageHeight = imageDims[1]
        imageWidth = imageDims[2]
        guard imageHeight > 0, imageWidth > 0 else {
            throw LoupeError(.invalidInput, file: imagesPath, "image size \(imageHeight)x\(imageWidth) is empty")
        }
        guard labelDims[0] == n else {
            throw LoupeError(.invalidInput, file: labelsPath, "holds \(labelDims[0]) labels but \(imagesPath) holds \(n) images")
        }
        labels = labelBytes[8..<(8 + n)].map { Int($0) }
        try checkLabels(labels, classCount: classNames.count, file: labelsPath)
        pixels = images
        dataOffset = 16
        let size = preprocessing.outputSize(height: imageHeight, width: imageWidth)
        sampleShape = [preprocessing.channels, size.height, size.width]
        fingerprint = FingerprintHasher.dataset(kind: "idx", preprocessing: preprocessing, classNames: classNames,
                                                files: [(imagesPath, name), (labelsPath, URL(fileURLWithPath: labelsPath).lastPathComponent)])
    }

    /// Parses an IDX header of unsigned bytes and checks the magic and the exact data size; returns the dimensions.
    static func header(_ bytes: [UInt8], magic: Int, path: String) throws -> [Int] {
        func be32(_ at: Int) -> Int { (Int(bytes[at]) << 24) | (Int(bytes[at + 1]) << 16) | (Int(bytes[at + 2]) << 8) | Int(bytes[at + 3]) }
        guard bytes.count >= 4 else { throw LoupeError(.invalidInput, file: path, "too short for an IDX header") }
        let found = be32(0)
        guard found == magic else {
            throw LoupeError(.invalidInput, file: path, "IDX magic is \(found), expected \(magic) (\(magic == 2051 ? "images" : "labels"))")
        }
        let rank = magic & 0xFF
        let headerSize = 4 + 4 * rank
        guard bytes.count >= headerSize else { throw LoupeError(.invalidInput, file: path, "truncated IDX header") }
        let dims = (0..<rank).map { be32(4 + 4 * $0) }
        guard let payload = checkedProduct(dims), bytes.count - headerSize == payload else {
            throw LoupeError(.invalidInput, file: path,
                             "IDX header says \(dims.map(String.init).joined(separator: "x")) bytes of data but the file holds \(bytes.count - headerSize)")
        }
        return dims
    }

    public var count: Int { labels.count }

    public func batch(_ indices: [Int]) throws -> (images: Tensor, labels: [Int]) {
        try checkIndices(indices, file: imagesPath)
        let pixels = pixels, offset = dataOffset, h = imageHeight, w = imageWidth, path = imagesPath
        let images = try assembleBatch(indices, sampleShape: sampleShape, preprocessing: preprocessing,
                                       sampleName: { "\(path) image \($0)" }) { index in
            let start = offset + index * h * w
            let values = pixels[start..<(start + h * w)].map { Float($0) / 255 }
            return PixelImage(width: w, height: h, channels: 1, values: values)
        }
        return (images, indices.map { labels[$0] })
    }
}
