/// CMYK pixels of a JPEG file to RGB, and which polarity the file stores them in.
///
/// Adobe applications store CMYK JPEGs inverted (0 = full ink) and mark them with an APP14 "Adobe"
/// segment; libjpeg passes the stored values through (converting YCCK to CMYK first). A file with that
/// marker is read as inverted, one without it as plain CMYK (0 = no ink), as libvips and ImageMagick do.
/// Pillow assumes inverted CMYK for every file, so the two differ only for the rare CMYK file without
/// the marker. The RGB conversion is Pillow's: each channel is (255 − ink) × (255 − black) / 255,
/// rounded the way Pillow rounds, with no colour profile applied.
enum CMYKColour {
    /// RGB bytes from packed CMYK bytes (4 per pixel), stored inverted or plain.
    static func rgb(fromCMYK cmyk: [UInt8], inverted: Bool) -> [UInt8] {
        let pixels = cmyk.count / 4
        var rgb = [UInt8](repeating: 0, count: pixels * 3)
        for p in 0..<pixels {
            // Ink amounts, 0 = none and 255 = full.
            func ink(_ channel: Int) -> Int {
                let stored = Int(cmyk[4 * p + channel])
                return inverted ? 255 - stored : stored
            }
            let white = 255 - ink(3)
            for c in 0..<3 {
                // Pillow's MULDIV255: (a·b + 128 + ((a·b + 128) >> 8)) >> 8, a rounded a·b/255.
                let product = ink(c) * white + 128
                rgb[3 * p + c] = UInt8(clamping: white - ((product >> 8) + product) >> 8)
            }
        }
        return rgb
    }

    /// Whether the JPEG's header segments, before the first scan, include an APP14 "Adobe" marker.
    static func hasAdobeMarker(_ data: [UInt8]) -> Bool {
        var i = 2  // after SOI
        while i + 4 <= data.count {
            guard data[i] == 0xFF else { return false }
            let marker = data[i + 1]
            if marker == 0xFF { i += 1; continue }  // fill byte
            if marker == 0xDA || marker == 0xD9 { return false }  // start of scan or end of image: no more headers
            if marker == 0x01 || (0xD0...0xD7).contains(marker) { i += 2; continue }  // no length field
            let length = Int(data[i + 2]) << 8 | Int(data[i + 3])
            if marker == 0xEE, length >= 7, i + 9 <= data.count, Array(data[(i + 4)..<(i + 9)]) == Array("Adobe".utf8) { return true }
            guard length >= 2 else { return false }
            i += 2 + length
        }
        return false
    }
}
