import CZlib
import Foundation

/// A minimal ZIP archive reader and writer for `.npz` files.
///
/// Reads stored (method 0) and deflated (method 8) entries through the central directory,
/// checks every entry's CRC-32 and declared size, and refuses ZIP64, encryption, and entries
/// larger than 4 GiB. Writes stored entries only.
enum ZipArchive {
    /// One entry's bytes, decompressed and verified.
    struct Entry {
        var name: String
        var data: Data
    }

    /// Largest uncompressed entry accepted.
    static let maximumEntrySize = 1 << 32

    /// Reads every file entry of the archive in `bytes`; errors name `file`.
    ///
    /// `impliedSize` reads the size an entry's own contents declare from its first bytes (e.g. a
    /// `.npy` header): a deflated entry whose ZIP size disagrees is refused before it is inflated.
    /// Every entry's size is checked against `MemoryBudget` before allocation.
    static func read(_ bytes: UnsafeRawBufferPointer, file: String,
                     impliedSize: ((UnsafeRawBufferPointer, String) throws -> Int?)? = nil) throws -> [Entry] {
        func fail(_ location: String, _ reason: String) -> LoupeError {
            LoupeError(.invalidInput, file: file, location: location, reason)
        }
        func u16(_ offset: Int) -> Int { Int(UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt16.self))) }
        func u32(_ offset: Int) -> Int { Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self))) }

        // End of central directory: 22 bytes plus a comment of up to 65,535 bytes.
        guard bytes.count >= 22 else { throw fail("zip", "file is too short to be an .npz archive") }
        var end = -1
        var position = bytes.count - 22
        let lowest = max(0, bytes.count - 22 - 0xFFFF)
        while position >= lowest {
            if u32(position) == 0x0605_4B50 && position + 22 + u16(position + 20) == bytes.count { end = position; break }
            position -= 1
        }
        guard end >= 0 else { throw fail("zip", "no end-of-central-directory record (not a zip archive, or truncated)") }
        let entryCount = u16(end + 10)
        let directorySize = u32(end + 12)
        let directoryOffset = u32(end + 16)
        if u16(end + 4) != 0 || u16(end + 6) != 0 || u16(end + 8) != entryCount {
            throw fail("zip", "multi-disk archives are not supported")
        }
        if entryCount == 0xFFFF || directoryOffset == 0xFFFF_FFFF || directorySize == 0xFFFF_FFFF {
            throw fail("zip", "ZIP64 archives are not supported")
        }
        guard directoryOffset <= end, directorySize <= end - directoryOffset else {
            throw fail("zip", "central directory lies outside the file")
        }

        var entries: [Entry] = []
        var seen = Set<String>()
        var cursor = directoryOffset
        let directoryEnd = directoryOffset + directorySize
        for index in 0..<entryCount {
            guard cursor + 46 <= directoryEnd, u32(cursor) == 0x0201_4B50 else {
                throw fail("zip", "central directory entry \(index) is malformed")
            }
            let flags = u16(cursor + 8)
            let method = u16(cursor + 10)
            let crc = UInt32(u32(cursor + 16))
            let compressedSize = u32(cursor + 20)
            let size = u32(cursor + 24)
            let nameLength = u16(cursor + 28)
            let extraLength = u16(cursor + 30)
            let commentLength = u16(cursor + 32)
            let localOffset = u32(cursor + 42)
            let next = cursor + 46 + nameLength + extraLength + commentLength
            guard next <= directoryEnd else { throw fail("zip", "central directory entry \(index) is truncated") }
            let nameBytes = UnsafeRawBufferPointer(rebasing: bytes[(cursor + 46)..<(cursor + 46 + nameLength)])
            let name = String(decoding: nameBytes, as: UTF8.self)
            cursor = next
            let location = "entry '\(name)'"
            if name.hasSuffix("/") { continue }  // a directory
            guard seen.insert(name).inserted else { throw fail(location, "duplicate entry name") }
            if compressedSize == 0xFFFF_FFFF || size == 0xFFFF_FFFF || localOffset == 0xFFFF_FFFF {
                throw fail(location, "ZIP64 entries are not supported")
            }
            if flags & 1 != 0 { throw fail(location, "encrypted entries are not supported") }
            guard size < maximumEntrySize else { throw fail(location, "entry is larger than 4 GiB") }

            // The local header repeats the name and may carry a different extra field.
            guard localOffset <= bytes.count - 30, u32(localOffset) == 0x0403_4B50 else {
                throw fail(location, "local header is missing or outside the file")
            }
            let dataStart = localOffset + 30 + u16(localOffset + 26) + u16(localOffset + 28)
            guard dataStart <= bytes.count, compressedSize <= bytes.count - dataStart else {
                throw fail(location, "entry data extends past the end of the file (truncated archive?)")
            }
            let compressed = UnsafeRawBufferPointer(rebasing: bytes[dataStart..<(dataStart + compressedSize)])
            let data: Data
            switch method {
            case 0:
                guard compressedSize == size else { throw fail(location, "stored entry sizes disagree (\(compressedSize) vs \(size))") }
                data = Data(compressed)
            case 8:
                try MemoryBudget.check(size, file: file, location: location, what: "inflates to")
                if let impliedSize {
                    let prefix = try inflate(compressed, expectedSize: min(size, 1 << 16), prefixOnly: true, fail: { fail(location, $0) })
                    if let implied = try prefix.withUnsafeBytes({ try impliedSize($0, name) }), implied != size {
                        let relation = implied > size ? "more" : "fewer"
                        throw fail(location, "inflates to \(relation) than the declared \(size) bytes (its header declares \(implied))")
                    }
                }
                data = try inflate(compressed, expectedSize: size, fail: { fail(location, $0) })
            default:
                throw fail(location, "compression method \(method) is not supported (only stored and deflate)")
            }
            let actual = data.withUnsafeBytes { crc32Checksum($0) }
            guard actual == crc else {
                throw fail(location, String(format: "CRC-32 mismatch (stored %08x, computed %08x)", crc, actual))
            }
            entries.append(Entry(name: name, data: data))
        }
        return entries
    }

    /// Inflates raw deflate data, requiring exactly `expectedSize` output bytes (or, with `prefixOnly`,
    /// only the first `expectedSize` bytes of a longer stream).
    static func inflate(_ input: UnsafeRawBufferPointer, expectedSize: Int, prefixOnly: Bool = false,
                        fail: (String) -> LoupeError) throws -> Data {
        var output = Data(count: expectedSize)
        var stream = z_stream()
        guard inflateInit2_(&stream, -MAX_WBITS, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw fail("cannot initialise zlib")
        }
        defer { inflateEnd(&stream) }
        var spare: UInt8 = 0
        let tooLong: Int32 = 1_000
        let status: Int32 = output.withUnsafeMutableBytes { out in
            stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
            stream.avail_in = uInt(input.count)
            stream.next_out = out.baseAddress?.assumingMemoryBound(to: Bytef.self)
            stream.avail_out = uInt(out.count)
            var result = Z_OK
            // Chunks stay below uInt's range; sizes are capped at 4 GiB - 1 anyway.
            while result == Z_OK {
                result = CZlib.inflate(&stream, Z_NO_FLUSH)
                if result == Z_OK && stream.avail_out == 0 && prefixOnly { return Z_STREAM_END }
                if result == Z_OK && stream.avail_out == 0 {
                    // Output is full: any further byte means the declared size was wrong.
                    withUnsafeMutablePointer(to: &spare) { p in
                        stream.next_out = p
                        stream.avail_out = 1
                        result = CZlib.inflate(&stream, Z_NO_FLUSH)
                    }
                    if stream.avail_out == 0 { return tooLong }
                    if result == Z_OK { return Z_DATA_ERROR }
                }
            }
            return result
        }
        switch status {
        case Z_STREAM_END:
            guard Int(stream.total_out) == expectedSize || (prefixOnly && stream.total_out > 0) else {
                throw fail("inflated to \(stream.total_out) bytes but \(expectedSize) were declared")
            }
            return output
        case tooLong:
            throw fail("inflates to more than the declared \(expectedSize) bytes")
        default:
            throw fail("corrupt or truncated deflate data")
        }
    }

    /// Builds an archive of stored entries (no compression).
    static func encode(_ entries: [Entry]) throws -> Data {
        var out = Data()
        var directory = Data()
        func put16(_ value: Int, _ data: inout Data) { withUnsafeBytes(of: UInt16(truncatingIfNeeded: value).littleEndian) { data.append(contentsOf: $0) } }
        func put32(_ value: Int, _ data: inout Data) { withUnsafeBytes(of: UInt32(truncatingIfNeeded: value).littleEndian) { data.append(contentsOf: $0) } }
        guard entries.count < 0xFFFF else { throw LoupeError(.invalidInput, location: "zip", "too many entries (\(entries.count))") }
        for entry in entries {
            let name = Array(entry.name.utf8)
            guard name.count <= 0xFFFF else { throw LoupeError(.invalidInput, location: "entry '\(entry.name)'", "name is too long") }
            guard entry.data.count < 0xFFFF_FFFF, out.count < 0xFFFF_FFFF - entry.data.count - 30 - name.count else {
                throw LoupeError(.invalidInput, location: "entry '\(entry.name)'", "archive would exceed 4 GiB (ZIP64 is not supported)")
            }
            let crc = entry.data.withUnsafeBytes { crc32Checksum($0) }
            let offset = out.count
            // Local file header; fixed 1980-01-01 timestamp keeps output reproducible.
            put32(0x0403_4B50, &out); put16(20, &out); put16(0, &out); put16(0, &out)
            put16(0, &out); put16(0x21, &out)
            put32(Int(crc), &out); put32(entry.data.count, &out); put32(entry.data.count, &out)
            put16(name.count, &out); put16(0, &out)
            out.append(contentsOf: name)
            out.append(entry.data)
            // Central directory record.
            put32(0x0201_4B50, &directory); put16(20, &directory); put16(20, &directory); put16(0, &directory); put16(0, &directory)
            put16(0, &directory); put16(0x21, &directory)
            put32(Int(crc), &directory); put32(entry.data.count, &directory); put32(entry.data.count, &directory)
            put16(name.count, &directory); put16(0, &directory); put16(0, &directory)
            put16(0, &directory); put16(0, &directory); put32(0o100644 << 16, &directory)
            put32(offset, &directory)
            directory.append(contentsOf: name)
        }
        let directoryOffset = out.count
        out.append(directory)
        put32(0x0605_4B50, &out); put16(0, &out); put16(0, &out)
        put16(entries.count, &out); put16(entries.count, &out)
        put32(directory.count, &out); put32(directoryOffset, &out); put16(0, &out)
        return out
    }
}

/// The CRC-32 (ZIP/zlib polynomial) of `bytes`.
func crc32Checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
    var crc = crc32(0, nil, 0)
    var offset = 0
    while offset < bytes.count {
        let chunk = min(bytes.count - offset, 1 << 30)
        crc = crc32(crc, bytes.baseAddress.map { ($0 + offset).assumingMemoryBound(to: Bytef.self) }, uInt(chunk))
        offset += chunk
    }
    return UInt32(truncatingIfNeeded: crc)
}
