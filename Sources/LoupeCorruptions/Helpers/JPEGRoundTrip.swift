import CJPEG
import LoupeTensor

/// JPEG encode + decode with TurboJPEG, accurate DCT and 4:2:0: byte-identical to Pillow (docs/corruptions.md#jpeg_compression).
enum JPEGRoundTrip {
    /// Encodes RGB bytes at `quality` and decodes them again.
    static func apply(_ bytes: [UInt8], width: Int, height: Int, quality: Int) throws -> [UInt8] {
        guard let encoder = tjInitCompress() else { throw LoupeError(.computation, "cannot start the JPEG encoder") }
        defer { tjDestroy(encoder) }
        var jpeg: UnsafeMutablePointer<UInt8>?
        var size: UInt = 0
        let flags = Int32(TJFLAG_ACCURATEDCT)
        let status = bytes.withUnsafeBufferPointer { src -> Int32 in
            guard let base = src.baseAddress else { return -1 }
            return tjCompress2(encoder, base, Int32(width), Int32(width * 3), Int32(height), Int32(TJPF_RGB.rawValue),
                               &jpeg, &size, Int32(TJSAMP_420.rawValue), Int32(quality), flags)
        }
        defer { if let jpeg { tjFree(jpeg) } }
        guard status == 0, let encoded = jpeg else { throw LoupeError(.computation, "JPEG encoding failed") }
        guard let decoder = tjInitDecompress() else { throw LoupeError(.computation, "cannot start the JPEG decoder") }
        defer { tjDestroy(decoder) }
        var out = [UInt8](repeating: 0, count: width * height * 3)
        let decoded = out.withUnsafeMutableBufferPointer { dst -> Int32 in
            guard let base = dst.baseAddress else { return -1 }
            return tjDecompress2(decoder, encoded, size, base, Int32(width), Int32(width * 3), Int32(height),
                                 Int32(TJPF_RGB.rawValue), flags)
        }
        guard decoded == 0 else { throw LoupeError(.computation, "JPEG decoding failed") }
        return out
    }
}
