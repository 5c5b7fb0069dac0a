import Foundation

/// Byte-level builders for the hostile-input suite: PNG, JPEG, NPY, ZIP and protobuf written by hand, so
/// each file can be broken exactly where a test wants (a CRC, a length, a declared size, a scan count).
enum HostileFiles {
    // MARK: Checksums

    static let crcTable: [UInt32] = (0..<256).map { n -> UInt32 in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    /// CRC-32 (PNG chunks, ZIP entries).
    static func crc32<S: Sequence>(_ bytes: S) -> UInt32 where S.Element == UInt8 {
        var c: UInt32 = 0xFFFF_FFFF
        for byte in bytes { c = crcTable[Int((c ^ UInt32(byte)) & 0xFF)] ^ (c >> 8) }
        return c ^ 0xFFFF_FFFF
    }

    static func bigEndian32(_ value: UInt32) -> [UInt8] { [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: value >> $0) } }
    static func littleEndian(_ value: UInt64, bytes: Int) -> [UInt8] { (0..<bytes).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }

    /// A zlib stream of stored (uncompressed) deflate blocks.
    static func zlibStored(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x78, 0x01]
        var start = 0
        repeat {
            let count = min(65_535, data.count - start)
            let final: UInt8 = start + count >= data.count ? 1 : 0
            out += [final] + littleEndian(UInt64(count), bytes: 2) + littleEndian(UInt64(~UInt16(count)), bytes: 2)
            out += data[start..<(start + count)]
            start += count
        } while start < data.count
        var a: UInt32 = 1, b: UInt32 = 0
        for byte in data {
            a = (a + UInt32(byte)) % 65_521
            b = (b + a) % 65_521
        }
        return out + bigEndian32(b << 16 | a)
    }

    // MARK: PNG

    /// One PNG chunk with its length and CRC.
    static func pngChunk(_ type: String, _ body: [UInt8]) -> [UInt8] {
        let typeBytes = Array(type.utf8)
        return bigEndian32(UInt32(body.count)) + typeBytes + body + bigEndian32(crc32(typeBytes + body))
    }

    /// A valid PNG: every row filter 0, pixels all `value` (big-endian samples for 16-bit).
    ///
    /// - Parameter pixelRows: false writes a header that claims the size with an IDAT of one empty row
    ///   (a small file declaring a huge image).
    static func png(width: Int, height: Int, bitDepth: UInt8 = 8, colourType: UInt8 = 2, value: UInt8 = 0x80,
                    pixelRows: Bool = true) -> [UInt8] {
        let channels = [0: 1, 2: 3, 4: 2, 6: 4][Int(colourType)] ?? 3
        let rowBytes = width * channels * Int(bitDepth) / 8
        let raw: [UInt8] = pixelRows ? (0..<height).flatMap { _ -> [UInt8] in [0] + [UInt8](repeating: value, count: rowBytes) } : [0]
        let header = bigEndian32(UInt32(width)) + bigEndian32(UInt32(height)) + [bitDepth, colourType, 0, 0, 0]
        return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + pngChunk("IHDR", header)
            + pngChunk("IDAT", zlibStored(raw)) + pngChunk("IEND", [])
    }

    /// Offset of the first chunk of `type` (its length field) in a PNG.
    static func pngChunkOffset(_ png: [UInt8], _ type: String) -> Int? {
        var offset = 8
        while offset + 8 <= png.count {
            let length = png[offset..<(offset + 4)].reduce(0) { $0 << 8 | Int($1) }
            if String(decoding: png[(offset + 4)..<(offset + 8)], as: UTF8.self) == type { return offset }
            offset += 12 + length
        }
        return nil
    }

    // MARK: JPEG

    static func jpegSegment(_ marker: UInt8, _ body: [UInt8]) -> [UInt8] {
        [0xFF, marker] + [UInt8((body.count + 2) >> 8), UInt8((body.count + 2) & 0xFF)] + body
    }

    /// An 8x8 gray progressive JPEG whose DC scan is repeated `scans` times.
    static func progressiveJPEG(scans: Int) -> [UInt8] {
        var out: [UInt8] = [0xFF, 0xD8]
        out += jpegSegment(0xDB, [0x00] + [UInt8](repeating: 1, count: 64))
        out += jpegSegment(0xC2, [8, 0, 8, 0, 8, 1, 1, 0x11, 0])
        out += jpegSegment(0xC4, [0x00, 1] + [UInt8](repeating: 0, count: 15) + [0])
        for _ in 0..<scans {
            out += jpegSegment(0xDA, [1, 1, 0x00, 0, 0, 0x00])
            out += [0x7F]   // one DC difference of category 0 (code "0"), padded with ones
        }
        return out + [0xFF, 0xD9]
    }

    /// The header of an 8x8 CMYK JPEG (Adobe APP14, four components), enough for the decoder to see its colour space.
    static func cmykJPEG() -> [UInt8] {
        var out: [UInt8] = [0xFF, 0xD8]
        out += jpegSegment(0xEE, Array("Adobe".utf8) + [0, 100, 0, 0, 0, 0, 0])
        out += jpegSegment(0xDB, [0x00] + [UInt8](repeating: 1, count: 64))
        out += jpegSegment(0xC0, [8, 0, 8, 0, 8, 4] + (1...4).flatMap { [UInt8($0), 0x11, 0] })
        out += jpegSegment(0xDA, [4] + (1...4).flatMap { [UInt8($0), 0x00] } + [0, 63, 0])
        return out + [0xFF, 0xD9]
    }

    /// A JPEG header claiming `width` x `height` (SOF0 only), for size checks.
    static func jpegHeader(width: Int, height: Int) -> [UInt8] {
        [0xFF, 0xD8] + jpegSegment(0xDB, [0x00] + [UInt8](repeating: 1, count: 64))
            + jpegSegment(0xC0, [8, UInt8(height >> 8), UInt8(height & 0xFF), UInt8(width >> 8), UInt8(width & 0xFF), 1, 1, 0x11, 0])
            + jpegSegment(0xDA, [1, 1, 0x00, 0, 63, 0]) + [0xFF, 0xD9]
    }

    // MARK: NPY and ZIP

    /// A version 1.0 NPY file with the given header dictionary text and payload.
    static func npy(header dictionary: String, payload: [UInt8]) -> [UInt8] {
        var text = Array(dictionary.utf8)
        let unpadded = 10 + text.count + 1
        text += [UInt8](repeating: 0x20, count: (64 - unpadded % 64) % 64) + [0x0A]
        return [0x93] + Array("NUMPY".utf8) + [1, 0] + littleEndian(UInt64(text.count), bytes: 2) + text + payload
    }

    /// A float32 NPY array.
    static func npy(shape: [Int], values: [Float]) -> [UInt8] {
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        let payload = values.flatMap { littleEndian(UInt64($0.bitPattern), bytes: 4) }
        return npy(header: "{'descr': '<f4', 'fortran_order': False, 'shape': \(shapeText), }", payload: payload)
    }

    /// One ZIP member: stored bytes, or `method` 8 with the given (garbage) compressed bytes and a declared size.
    struct ZipMember {
        var name: String
        var data: [UInt8]
        var method: UInt16 = 0
        var declaredSize: UInt32?
    }

    /// A ZIP archive (local headers, central directory, end record) of `members`.
    static func zip(_ members: [ZipMember]) -> [UInt8] {
        var out = [UInt8](), central = [UInt8]()
        for member in members {
            let name = Array(member.name.utf8)
            let crc = crc32(member.data)
            let size = member.declaredSize ?? UInt32(member.data.count)
            let common = littleEndian(20, bytes: 2) + littleEndian(0, bytes: 2) + littleEndian(UInt64(member.method), bytes: 2)
                + littleEndian(0, bytes: 4) + littleEndian(UInt64(crc), bytes: 4) + littleEndian(UInt64(member.data.count), bytes: 4)
                + littleEndian(UInt64(size), bytes: 4) + littleEndian(UInt64(name.count), bytes: 2) + littleEndian(0, bytes: 2)
            let offset = out.count
            out += littleEndian(0x0403_4B50, bytes: 4) + common + name + member.data
            central += littleEndian(0x0201_4B50, bytes: 4) + littleEndian(20, bytes: 2) + common
                + littleEndian(0, bytes: 2 + 2 + 2 + 4) + littleEndian(UInt64(offset), bytes: 4) + name
        }
        let centralOffset = out.count
        out += central
        out += littleEndian(0x0605_4B50, bytes: 4) + littleEndian(0, bytes: 4) + littleEndian(UInt64(members.count), bytes: 2)
            + littleEndian(UInt64(members.count), bytes: 2) + littleEndian(UInt64(central.count), bytes: 4)
            + littleEndian(UInt64(centralOffset), bytes: 4) + littleEndian(0, bytes: 2)
        return out
    }

    // MARK: Protobuf

    static func varint(_ value: UInt64) -> [UInt8] {
        var value = value, out = [UInt8]()
        while value >= 0x80 {
            out.append(UInt8(value & 0x7F) | 0x80)
            value >>= 7
        }
        return out + [UInt8(value)]
    }

    /// A length-delimited field.
    static func field(_ number: Int, _ payload: [UInt8]) -> [UInt8] { varint(UInt64(number << 3 | 2)) + varint(UInt64(payload.count)) + payload }

    /// A varint field.
    static func field(_ number: Int, varint value: UInt64) -> [UInt8] { varint(UInt64(number << 3)) + varint(value) }

    /// The top-level fields of a protobuf message: number and the whole encoded field.
    static func fields(_ message: [UInt8]) -> [(number: Int, bytes: [UInt8])] {
        var out = [(Int, [UInt8])](), offset = 0
        func readVarint() -> UInt64 {
            var value: UInt64 = 0, shift: UInt64 = 0
            while offset < message.count {
                let byte = message[offset]
                offset += 1
                value |= UInt64(byte & 0x7F) << shift
                shift += 7
                if byte & 0x80 == 0 { break }
            }
            return value
        }
        while offset < message.count {
            let start = offset
            let tag = readVarint()
            switch tag & 7 {
            case 0: _ = readVarint()
            case 1: offset += 8
            case 5: offset += 4
            default: offset += Int(readVarint())
            }
            out.append((Int(tag >> 3), Array(message[start..<min(offset, message.count)])))
        }
        return out
    }

    /// `model` (a serialized ModelProto) with every field numbered `number` replaced by `replacement`.
    static func replacingField(_ number: Int, in model: [UInt8], with replacement: [UInt8]) -> [UInt8] {
        fields(model).flatMap { $0.number == number ? replacement : $0.bytes }
    }
}
