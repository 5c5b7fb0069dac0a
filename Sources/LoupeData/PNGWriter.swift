import CCairo
import Foundation
import LoupeTensor

/// PNG encoding with libpng's simplified API (`png_image_write_to_memory`), written atomically.
public enum PNGWriter {
    /// Writes 8-bit gray (1), gray+alpha (2), RGB (3) or RGBA (4) interleaved pixels to `path`.
    ///
    /// The file appears under its name only once complete (temporary file, then rename).
    public static func write(width: Int, height: Int, channels: Int, bytes: [UInt8], to path: String) throws {
        let data = try encode(width: width, height: height, channels: channels, bytes: bytes, name: path)
        let url = URL(fileURLWithPath: path)
        do {
            try Data(data).write(to: url, options: .atomic)
        } catch {
            throw LoupeError(.io, file: path, "cannot write the PNG file: \(error.localizedDescription)")
        }
    }

    /// Encodes interleaved 8-bit pixels as PNG bytes; `name` is used in error messages.
    public static func encode(width: Int, height: Int, channels: Int, bytes: [UInt8], name: String = "") throws -> [UInt8] {
        guard (1...4).contains(channels), width > 0, height > 0, let count = checkedProduct([width, height, channels]),
              count == bytes.count else {
            throw LoupeError(.invalidInput, file: name, "cannot encode \(width)x\(height)x\(channels) pixels from \(bytes.count) bytes")
        }
        var image = png_image()
        image.version = png_uint_32(PNG_IMAGE_VERSION)
        image.width = png_uint_32(width)
        image.height = png_uint_32(height)
        let colour = channels >= 3 ? UInt32(PNG_FORMAT_FLAG_COLOR) : 0
        let alpha = channels == 2 || channels == 4 ? UInt32(PNG_FORMAT_FLAG_ALPHA) : 0
        image.format = colour | alpha
        var size: png_alloc_size_t = 0
        // First call measures, second writes.
        let measured = bytes.withUnsafeBytes { raw -> Int32 in
            png_image_write_to_memory(&image, nil, &size, 0, raw.baseAddress, png_int_32(width * channels), nil)
        }
        guard measured != 0, size > 0 else {
            png_image_free(&image)
            throw LoupeError(.computation, file: name, "PNG encoding failed")
        }
        var out = [UInt8](repeating: 0, count: Int(size))
        let written = bytes.withUnsafeBytes { raw -> Int32 in
            out.withUnsafeMutableBytes { target -> Int32 in
                png_image_write_to_memory(&image, target.baseAddress, &size, 0, raw.baseAddress, png_int_32(width * channels), nil)
            }
        }
        png_image_free(&image)
        guard written != 0 else { throw LoupeError(.computation, file: name, "PNG encoding failed") }
        return Array(out.prefix(Int(size)))
    }
}
