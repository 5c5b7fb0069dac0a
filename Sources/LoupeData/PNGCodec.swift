import CCairo
import LoupeTensor

/// PNG decoding with libpng's simplified API (`png_image`), which handles its own errors without longjmp.
public enum PNGCodec {
    /// Decodes PNG bytes to 8-bit gray, gray+alpha, RGB or RGBA (whichever the file holds).
    ///
    /// The header is read first and images over `maxPixels` are refused before any pixel is
    /// decoded. Palette files expand to RGB(A). 16-bit files are read as stored (no gamma
    /// curve) and reduced by `v >> 8` as Pillow does; libpng's 16-bit alpha output is
    /// premultiplied, so colour under partial alpha may differ from Pillow by a step.
    /// Gamma (`gAMA`) chunks other than sRGB's are applied by libpng; Pillow ignores them.
    public static func decode(_ data: [UInt8], name: String, maxPixels: Int = defaultMaxPixels) throws -> DecodedImage {
        // libpng keeps the memory pointer between begin and finish: both run inside one closure.
        try data.withUnsafeBytes { raw in
            guard let base = raw.baseAddress else { throw LoupeError(.invalidInput, file: name, "empty PNG file") }
            var image = png_image()
            image.version = png_uint_32(PNG_IMAGE_VERSION)
            image.opaque = nil
            guard png_image_begin_read_from_memory(&image, base, raw.count) != 0 else {
                let message = libpngMessage(&image)
                png_image_free(&image)
                throw LoupeError(.invalidInput, file: name, "corrupt PNG header: \(message)")
            }
            defer { png_image_free(&image) }
            let width = Int(image.width), height = Int(image.height)
            try ImageCodec.checkSize(width: width, height: height, maxPixels: maxPixels, name: name)
            let hasAlpha = image.format & UInt32(PNG_FORMAT_FLAG_ALPHA) != 0
            let hasColour = image.format & UInt32(PNG_FORMAT_FLAG_COLOR) != 0
            let channels = (hasColour ? 3 : 1) + (hasAlpha ? 1 : 0)
            let sixteenBit = image.format & UInt32(PNG_FORMAT_FLAG_LINEAR) != 0
            image.format = (hasColour ? UInt32(PNG_FORMAT_FLAG_COLOR) : 0) | (hasAlpha ? UInt32(PNG_FORMAT_FLAG_ALPHA) : 0)
                | (sixteenBit ? UInt32(PNG_FORMAT_FLAG_LINEAR) : 0)
            try ImageCodec.checkBudget(width: width, height: height, channels: channels, bytesPerSample: sixteenBit ? 3 : 1, name: name)
            let count = width * height * channels
            var bytes = [UInt8](repeating: 0, count: count)
            var words = [UInt16](repeating: 0, count: sixteenBit ? count : 0)
            let finished: Int32
            if sixteenBit {
                finished = words.withUnsafeMutableBytes { out -> Int32 in
                    guard let target = out.baseAddress else { return 0 }
                    return png_image_finish_read(&image, nil, target, png_int_32(width * channels), nil)
                }
            } else {
                finished = bytes.withUnsafeMutableBytes { out -> Int32 in
                    guard let target = out.baseAddress else { return 0 }
                    return png_image_finish_read(&image, nil, target, png_int_32(width * channels), nil)
                }
            }
            guard finished != 0 else {
                throw LoupeError(.invalidInput, file: name, "corrupt or truncated PNG: \(libpngMessage(&image))")
            }
            if sixteenBit { reduce16(words, into: &bytes, channels: channels, hasAlpha: hasAlpha) }
            return DecodedImage(width: width, height: height, channels: channels, bytes: bytes)
        }
    }

    /// 16-bit samples to bytes by `v >> 8` (Pillow's rule), un-premultiplying libpng's linear alpha output first.
    private static func reduce16(_ words: [UInt16], into bytes: inout [UInt8], channels: Int, hasAlpha: Bool) {
        let colourChannels = hasAlpha ? channels - 1 : channels
        for p in 0..<(words.count / channels) {
            let base = p * channels
            let alpha = hasAlpha ? UInt32(words[base + channels - 1]) : 65535
            for c in 0..<colourChannels {
                var v = UInt32(words[base + c])
                if hasAlpha { v = alpha == 0 ? 0 : min(65535, (v * 65535 + alpha / 2) / alpha) }
                bytes[base + c] = UInt8(v >> 8)
            }
            if hasAlpha { bytes[base + channels - 1] = UInt8(alpha >> 8) }
        }
    }

    /// Reads only the header's width and height (nil when the bytes are not a readable PNG header).
    public static func size(of data: [UInt8]) -> (width: Int, height: Int)? {
        guard ImageCodec.isPNG(data), data.count >= 24 else { return nil }
        func be32(_ at: Int) -> Int { (Int(data[at]) << 24) | (Int(data[at + 1]) << 16) | (Int(data[at + 2]) << 8) | Int(data[at + 3]) }
        return (be32(16), be32(20))
    }

    /// The message libpng left in the image's fixed-size buffer, on one line.
    private static func libpngMessage(_ image: inout png_image) -> String {
        let text = withUnsafeBytes(of: &image.message) { raw -> String in
            let bytes = raw.prefix { $0 != 0 }
            return String(decoding: bytes, as: UTF8.self)
        }
        return text.isEmpty ? "unknown libpng error" : text
    }
}
