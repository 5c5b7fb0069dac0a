import CJPEG
import LoupeTensor

/// JPEG decoding with TurboJPEG (libjpeg-turbo 2.1 API), with warnings treated as errors.
public enum JPEGCodec {
    /// Decodes JPEG bytes to 8-bit gray (for grayscale files) or RGB (colour, CMYK and YCCK files).
    ///
    /// Uses the accurate integer DCT and fancy upsampling (Pillow's defaults, so pixels match
    /// Pillow's decode). The header is read first and images over `maxPixels` are refused before
    /// decoding. Truncated or damaged data (libjpeg warnings) are refused. CMYK and YCCK files are
    /// decoded to CMYK and converted to RGB as Pillow converts (`CMYKColour`); EXIF orientation is not
    /// applied (Pillow's `Image.open` does not apply it either).
    public static func decode(_ data: [UInt8], name: String, maxPixels: Int = defaultMaxPixels) throws -> DecodedImage {
        guard let handle = tjInitDecompress() else {
            throw LoupeError(.computation, file: name, "cannot start the JPEG decoder")
        }
        defer { tjDestroy(handle) }
        var width: Int32 = 0, height: Int32 = 0, subsampling: Int32 = 0, colourspace: Int32 = 0
        let headerStatus = data.withUnsafeBufferPointer { buffer -> Int32 in
            guard let base = buffer.baseAddress else { return -1 }
            return tjDecompressHeader3(handle, base, UInt(buffer.count), &width, &height, &subsampling, &colourspace)
        }
        guard headerStatus == 0 else {
            throw LoupeError(.invalidInput, file: name, "corrupt JPEG header: \(errorText(handle))")
        }
        try ImageCodec.checkSize(width: Int(width), height: Int(height), maxPixels: maxPixels, name: name)
        let gray = colourspace == Int32(TJCS_GRAY.rawValue)
        let cmyk = colourspace == Int32(TJCS_CMYK.rawValue) || colourspace == Int32(TJCS_YCCK.rawValue)
        // libjpeg hands CMYK over as stored (it converts YCCK to CMYK itself); the RGB image comes after.
        let decodedChannels = gray ? 1 : (cmyk ? 4 : 3)
        try ImageCodec.checkBudget(width: Int(width), height: Int(height), channels: decodedChannels, bytesPerSample: 1, name: name)
        let pixelFormat = gray ? Int32(TJPF_GRAY.rawValue) : (cmyk ? Int32(TJPF_CMYK.rawValue) : Int32(TJPF_RGB.rawValue))
        var bytes = [UInt8](repeating: 0, count: Int(width) * Int(height) * decodedChannels)
        let flags = Int32(TJFLAG_ACCURATEDCT | TJFLAG_STOPONWARNING | TJFLAG_LIMITSCANS)
        let status = data.withUnsafeBufferPointer { buffer -> Int32 in
            bytes.withUnsafeMutableBufferPointer { out -> Int32 in
                guard let base = buffer.baseAddress, let target = out.baseAddress else { return -1 }
                return tjDecompress2(handle, base, UInt(buffer.count), target, width, width * Int32(decodedChannels),
                                     height, pixelFormat, flags)
            }
        }
        guard status == 0 else {
            throw LoupeError(.invalidInput, file: name, "corrupt or truncated JPEG: \(errorText(handle))")
        }
        if cmyk {
            let rgb = CMYKColour.rgb(fromCMYK: bytes, inverted: CMYKColour.hasAdobeMarker(data))
            return DecodedImage(width: Int(width), height: Int(height), channels: 3, bytes: rgb)
        }
        return DecodedImage(width: Int(width), height: Int(height), channels: decodedChannels, bytes: bytes)
    }

    /// Reads only the header's width and height (nil when the bytes are not a readable JPEG header).
    public static func size(of data: [UInt8]) -> (width: Int, height: Int)? {
        guard ImageCodec.isJPEG(data), let handle = tjInitDecompress() else { return nil }
        defer { tjDestroy(handle) }
        var width: Int32 = 0, height: Int32 = 0, subsampling: Int32 = 0, colourspace: Int32 = 0
        let status = data.withUnsafeBufferPointer { buffer -> Int32 in
            guard let base = buffer.baseAddress else { return -1 }
            return tjDecompressHeader3(handle, base, UInt(buffer.count), &width, &height, &subsampling, &colourspace)
        }
        return status == 0 ? (Int(width), Int(height)) : nil
    }

    /// TurboJPEG's last error message for the handle, on one line.
    private static func errorText(_ handle: tjhandle) -> String {
        guard let text = tjGetErrorStr2(handle) else { return "unknown TurboJPEG error" }
        return String(cString: text)
    }
}
