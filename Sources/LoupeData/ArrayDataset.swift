import Foundation
import LoupeTensor

/// Images and labels stored as NumPy arrays: two `.npy` files (read lazily, row by row) or one `.npz`.
///
/// Images are `[N, H, W]` (gray), `[N, H, W, C]` or `[N, C, H, W]` with C in {1, 3, 4}; the
/// layout is detected from which axis has extent 1/3/4, or given when both could be channels.
/// Integer images are bytes (divided by 255); float images are taken as [0, 1] unless
/// `floatRange` is `.byte`. Labels are a 1-D (or `[N, 1]`) integer array. An `.npz` is read
/// whole (entries may be compressed): float images stay as one float copy, integer images are
/// kept as bytes.
public struct ArrayDataset: Dataset {
    /// Where the channel axis is.
    public enum Layout: String, Codable, Sendable { case nchw, nhwc }

    /// Image storage: a lazily read file, or arrays already in memory (NPZ).
    private enum Store: Sendable {
        case file(NPYRows)
        case bytes([UInt8])
        case floats([Float])
    }

    public let name: String
    public let classNames: [String]
    public let labels: [Int]
    public let layout: Layout
    /// Stored image geometry.
    public let imageChannels: Int, imageHeight: Int, imageWidth: Int
    public let preprocessing: Preprocessing
    public let sampleShape: [Int]
    public let fingerprint: String
    private let store: Store
    private let scale: Float
    private let imagesFile: String

    /// Opens `images.npy` lazily and reads `labels.npy`.
    public init(imagesPath: String, labelsPath: String, classNames: [String]? = nil, layout: Layout? = nil,
                floatRange: Preprocessing.ValueRange = .unit, preprocessing: Preprocessing) throws {
        let rows = try NPYRows(path: imagesPath)
        let labelRows = try NPYRows(path: labelsPath)
        let labelValues = try labelRows.readAll()
        try self.init(name: URL(fileURLWithPath: imagesPath).lastPathComponent, imagesFile: imagesPath, labelsFile: labelsPath,
                      shape: rows.shape, isFloat: rows.element.isFloat, store: .file(rows),
                      labelShape: labelRows.shape, labelValues: labelValues, classNames: classNames, layout: layout,
                      floatRange: floatRange, preprocessing: preprocessing)
    }

    /// Reads an `.npz` archive; array names default to `images`/`labels`, else `x`/`y`.
    public init(npzPath: String, imagesKey: String? = nil, labelsKey: String? = nil, classNames: [String]? = nil,
                layout: Layout? = nil, floatRange: Preprocessing.ValueRange = .unit, preprocessing: Preprocessing) throws {
        var arrays = try NPZ.read(path: npzPath)
        func pick(_ given: String?, _ defaults: [String]) throws -> TensorValue {
            let keys = given.map { [$0] } ?? defaults
            for key in keys { if let value = arrays.removeValue(forKey: key) { return value } }
            throw LoupeError(.invalidInput, file: npzPath, "no array named \(keys.map { "'\($0)'" }.joined(separator: " or ")) (found \(arrays.keys.sorted().joined(separator: ", ")))")
        }
        let images = try pick(imagesKey, ["images", "x"])
        let labelValue = try pick(labelsKey, ["labels", "y"])
        arrays = [:]
        let store: Store
        switch images {
        case .float(let tensor): store = .floats(tensor.scalars)
        case .int(let tensor):
            guard tensor.values.allSatisfy({ $0 >= 0 && $0 <= 255 }) else {
                throw LoupeError(.invalidInput, file: npzPath, "integer images must hold values in 0...255")
            }
            store = .bytes(tensor.values.map { UInt8($0) })
        }
        let labelValues: [Double]
        switch labelValue {
        case .float(let tensor): labelValues = tensor.scalars.map(Double.init)
        case .int(let tensor): labelValues = tensor.values.map(Double.init)
        }
        try self.init(name: URL(fileURLWithPath: npzPath).lastPathComponent, imagesFile: npzPath, labelsFile: npzPath,
                      shape: images.shape, isFloat: !images.isInt, store: store, labelShape: labelValue.shape,
                      labelValues: labelValues, classNames: classNames, layout: layout, floatRange: floatRange,
                      preprocessing: preprocessing)
    }

    private init(name: String, imagesFile: String, labelsFile: String, shape: [Int], isFloat: Bool, store: Store,
                 labelShape: [Int], labelValues: [Double], classNames: [String]?, layout: Layout?,
                 floatRange: Preprocessing.ValueRange, preprocessing: Preprocessing) throws {
        try preprocessing.validate()
        self.name = name
        self.imagesFile = imagesFile
        self.store = store
        self.preprocessing = preprocessing
        let geometry = try Self.geometry(shape: shape, layout: layout, file: imagesFile)
        (self.layout, imageChannels, imageHeight, imageWidth) = geometry
        let n = shape[0]
        guard labelShape == [n] || labelShape == [n, 1] else {
            throw LoupeError(.invalidInput, file: labelsFile, "labels must have shape [\(n)] to match \(n) images, got \(labelShape)")
        }
        var labels = [Int]()
        labels.reserveCapacity(n)
        for (index, value) in labelValues.enumerated() {
            guard value.isFinite, value == value.rounded(), abs(value) < 1e9 else {
                throw LoupeError(.invalidInput, file: labelsFile, location: "sample \(index)", "label \(value) is not an integer")
            }
            labels.append(Int(value))
        }
        let names = classNames ?? (0..<max(1, (labels.max() ?? 0) + 1)).map(String.init)
        try checkLabels(labels, classCount: names.count, file: labelsFile)
        self.labels = labels
        self.classNames = names
        scale = isFloat && floatRange == .unit ? 1 : 1 / 255
        let size = preprocessing.outputSize(height: imageHeight, width: imageWidth)
        sampleShape = [preprocessing.channels, size.height, size.width]
        var files = [(path: imagesFile, name: name)]
        if labelsFile != imagesFile { files.append((labelsFile, URL(fileURLWithPath: labelsFile).lastPathComponent)) }
        fingerprint = FingerprintHasher.dataset(kind: "arrays:\(self.layout.rawValue):\(floatRange.rawValue)",
                                                preprocessing: preprocessing, classNames: names, files: files)
    }

    /// Layout, channels, height and width of an image array's shape.
    static func geometry(shape: [Int], layout: Layout?, file: String) throws -> (Layout, Int, Int, Int) {
        let channelCounts: Set<Int> = [1, 3, 4]
        switch shape.count {
        case 3:
            return (.nhwc, 1, shape[1], shape[2])
        case 4:
            let chosen: Layout
            if let layout {
                chosen = layout
            } else {
                let first = channelCounts.contains(shape[1]), last = channelCounts.contains(shape[3])
                if first && !last { chosen = .nchw } else if last && !first { chosen = .nhwc } else {
                    throw LoupeError(.invalidInput, file: file, "cannot tell NCHW from NHWC for shape \(shape); set the layout")
                }
            }
            let c = chosen == .nchw ? shape[1] : shape[3]
            guard channelCounts.contains(c) else {
                throw LoupeError(.invalidInput, file: file, "\(chosen.rawValue) images need 1, 3 or 4 channels, got \(c) (shape \(shape))")
            }
            return chosen == .nchw ? (chosen, c, shape[2], shape[3]) : (chosen, c, shape[1], shape[2])
        default:
            throw LoupeError(.invalidInput, file: file, "images must be [N, H, W], [N, H, W, C] or [N, C, H, W], got \(shape)")
        }
    }

    public var count: Int { labels.count }

    /// One stored image as an interleaved (HWC) `PixelImage` in [0, 1].
    private func image(at index: Int) throws -> PixelImage {
        let c = imageChannels, h = imageHeight, w = imageWidth, n = c * h * w
        var raw = [Float](repeating: 0, count: n)
        switch store {
        case .file(let rows):
            let bytes = try rows.readRows(index, count: 1)
            bytes.withUnsafeBytes { buffer in
                switch rows.element {
                case .uint8: for i in 0..<n { raw[i] = Float(buffer[i]) }
                case .float32:
                    for i in 0..<n { raw[i] = Float(bitPattern: UInt32(littleEndian: buffer.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))) }
                default: for i in 0..<n { raw[i] = Float(rows.element.value(buffer, i)) }
                }
            }
        case .bytes(let bytes):
            for i in 0..<n { raw[i] = Float(bytes[index * n + i]) }
        case .floats(let floats):
            for i in 0..<n { raw[i] = floats[index * n + i] }
        }
        var values = raw
        if layout == .nchw && c > 1 {
            for ch in 0..<c { for p in 0..<(h * w) { values[p * c + ch] = raw[ch * h * w + p] } }
        }
        if scale != 1 { for i in 0..<n { values[i] *= scale } }
        return PixelImage(width: w, height: h, channels: c, values: values)
    }

    public func batch(_ indices: [Int]) throws -> (images: Tensor, labels: [Int]) {
        try checkIndices(indices, file: imagesFile)
        let file = imagesFile
        let images = try assembleBatch(indices, sampleShape: sampleShape, preprocessing: preprocessing,
                                       sampleName: { "\(file) image \($0)" }) { index in try self.image(at: index) }
        return (images, indices.map { labels[$0] })
    }
}
