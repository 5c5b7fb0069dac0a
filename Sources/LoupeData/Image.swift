import LoupeTensor

/// An 8-bit image as decoded from a file: rows top to bottom, channels interleaved (HWC).
///
/// `channels` is 1 (gray), 2 (gray + alpha), 3 (RGB) or 4 (RGBA).
public struct DecodedImage: Sendable, Equatable {
    public var width: Int
    public var height: Int
    public var channels: Int
    /// `height * width * channels` bytes, row-major, channels interleaved.
    public var bytes: [UInt8]

    /// Creates an image from interleaved bytes of the matching count.
    public init(width: Int, height: Int, channels: Int, bytes: [UInt8]) {
        self.width = width
        self.height = height
        self.channels = channels
        self.bytes = bytes
    }

    /// The same pixels as floats in [0, 1] (byte / 255), channels unchanged.
    public var pixelImage: PixelImage {
        var values = [Float](repeating: 0, count: bytes.count)
        bytes.withUnsafeBufferPointer { src in
            values.withUnsafeMutableBufferPointer { dst in
                for i in 0..<src.count { dst[i] = Float(src[i]) / 255 }
            }
        }
        return PixelImage(width: width, height: height, channels: channels, values: values)
    }

    /// The pixels as floats in [0, 1] converted straight to 1 or 3 channels (see `PixelImage.converted(toChannels:)`).
    ///
    /// Same result as `pixelImage.converted(toChannels:)` without the intermediate float copy of every channel.
    public func pixelImage(channels target: Int) -> PixelImage {
        var table = [Float](repeating: 0, count: 256)
        for i in 0..<256 { table[i] = Float(i) / 255 }
        let values = bytes.withUnsafeBufferPointer { src in
            table.withUnsafeBufferPointer { t in
                convertChannels(pixels: width * height, channels: channels, target: target) { t[Int(src[$0])] }
            }
        }
        return PixelImage(width: width, height: height, channels: target, values: values)
    }
}

/// Applies Loupe's colour rule to interleaved pixels read through `read(index)`; returns `target`-channel floats.
@inline(__always)
func convertChannels(pixels: Int, channels c: Int, target: Int, read: (Int) -> Float) -> [Float] {
    let hasAlpha = c == 2 || c == 4
    let colour = c >= 3
    var out = [Float](repeating: 0, count: pixels * target)
    out.withUnsafeMutableBufferPointer { dst in
        for p in 0..<pixels {
            let base = p * c
            var r = read(base), g = r, b = r
            if colour { g = read(base + 1); b = read(base + 2) }
            if hasAlpha {
                let a = read(base + c - 1)
                r = a * r + (1 - a); g = a * g + (1 - a); b = a * b + (1 - a)
            }
            if target == 1 {
                dst[p] = colour ? 0.299 * r + 0.587 * g + 0.114 * b : r
            } else {
                dst[p * 3] = r; dst[p * 3 + 1] = g; dst[p * 3 + 2] = b
            }
        }
    }
    return out
}

/// A float image in [0, 1], rows top to bottom, channels interleaved (HWC): the input to `Preprocessing`.
public struct PixelImage: Sendable, Equatable {
    public var width: Int
    public var height: Int
    /// 1 (gray), 2 (gray + alpha), 3 (RGB) or 4 (RGBA).
    public var channels: Int
    /// `height * width * channels` values.
    public var values: [Float]

    /// Creates an image from interleaved values of the matching count.
    public init(width: Int, height: Int, channels: Int, values: [Float]) {
        self.width = width
        self.height = height
        self.channels = channels
        self.values = values
    }

    /// Converts to 1 (gray) or 3 (RGB) channels by Loupe's colour rule.
    ///
    /// The rule: alpha is removed first by compositing on white, `c' = a*c + (1 - a)`, in the
    /// file's encoded (sRGB) values. Gray becomes RGB by replicating the channel. RGB becomes
    /// gray by ITU-R BT.601 luma, `0.299 R + 0.587 G + 0.114 B` (Pillow's `convert("L")` weights).
    public func converted(toChannels target: Int) -> PixelImage {
        let hasAlpha = channels == 2 || channels == 4
        if !hasAlpha && (channels >= 3 ? 3 : 1) == target { return self }
        let out = values.withUnsafeBufferPointer { src in
            convertChannels(pixels: width * height, channels: channels, target: target) { src[$0] }
        }
        return PixelImage(width: width, height: height, channels: target, values: out)
    }
}

/// The default largest image Loupe decodes: 50 megapixels (refused from the header, before decoding).
public let defaultMaxPixels = 50_000_000

/// Decodes PNG and JPEG files by their leading bytes (not their extension).
public enum ImageCodec {
    /// Whether the bytes start like a PNG (`\x89PNG\r\n\x1a\n`).
    public static func isPNG(_ data: [UInt8]) -> Bool {
        data.count >= 8 && data[0] == 0x89 && data[1] == 0x50 && data[2] == 0x4E && data[3] == 0x47
            && data[4] == 0x0D && data[5] == 0x0A && data[6] == 0x1A && data[7] == 0x0A
    }

    /// Whether the bytes start like a JPEG (SOI marker then another marker).
    public static func isJPEG(_ data: [UInt8]) -> Bool {
        data.count >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF
    }

    /// Decodes a PNG or JPEG held in memory; `name` is the file reported in errors.
    public static func decode(_ data: [UInt8], name: String, maxPixels: Int = defaultMaxPixels) throws -> DecodedImage {
        if isPNG(data) { return try PNGCodec.decode(data, name: name, maxPixels: maxPixels) }
        if isJPEG(data) { return try JPEGCodec.decode(data, name: name, maxPixels: maxPixels) }
        throw LoupeError(.invalidInput, file: name, "not a PNG or JPEG file (unrecognised leading bytes)")
    }

    /// The width and height a PNG or JPEG header declares, read without decoding (nil when unreadable).
    public static func size(of data: [UInt8]) -> (width: Int, height: Int)? {
        isPNG(data) ? PNGCodec.size(of: data) : JPEGCodec.size(of: data)
    }

    /// Reads and decodes a PNG or JPEG file.
    public static func decodeFile(atPath path: String, maxPixels: Int = defaultMaxPixels) throws -> DecodedImage {
        try decode(readFileBytes(path), name: path, maxPixels: maxPixels)
    }

    /// Refuses an image whose decoded samples (`bytesPerSample` each) plus one Float copy of them
    /// (what preprocessing makes) would exceed the memory budget; called after `checkSize`.
    static func checkBudget(width: Int, height: Int, channels: Int, bytesPerSample: Int, name: String) throws {
        let bytes = checkedProduct([width, height, channels, bytesPerSample + MemoryLayout<Float>.size]) ?? Int.max
        try MemoryBudget.check(bytes, file: name, location: "header",
                               what: "a \(width)x\(height) image with \(channels) channels needs")
    }

    /// Refuses images whose header claims more than `maxPixels` pixels (or an empty size).
    static func checkSize(width: Int, height: Int, maxPixels: Int, name: String) throws {
        guard width > 0, height > 0 else {
            throw LoupeError(.invalidInput, file: name, "image header claims an empty size \(width)x\(height)")
        }
        guard let pixels = checkedProduct([width, height]), pixels <= maxPixels else {
            throw LoupeError(.invalidInput, file: name,
                             "image header claims \(width)x\(height) pixels, more than the limit of \(maxPixels); refused before decoding")
        }
    }
}
