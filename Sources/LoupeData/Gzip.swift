import CZlib
import LoupeTensor

/// Decompression of gzip (or zlib) data in memory with zlib.
public enum Gzip {
    /// Whether the bytes start with the gzip magic `1f 8b`.
    public static func isGzip(_ data: [UInt8]) -> Bool {
        data.count >= 2 && data[0] == 0x1F && data[1] == 0x8B
    }

    /// Inflates gzip data (all concatenated members), refusing output over `maxBytes`.
    ///
    /// `declaredSize` reads the total size a format's header declares from the output so far (nil
    /// while too little is inflated to tell); inflation then stops as soon as the output passes it,
    /// so a small bomb is refused after at most one chunk beyond the declared size.
    public static func decompress(_ data: [UInt8], name: String, maxBytes: Int = MemoryBudget.bytes,
                                  declaredSize: (([UInt8]) -> Int?)? = nil) throws -> [UInt8] {
        var limit = maxBytes
        var declared: Int?
        var stream = z_stream()
        // 15 window bits + 32: detect gzip or zlib headers automatically.
        guard inflateInit2_(&stream, 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw LoupeError(.computation, file: name, "cannot start zlib")
        }
        defer { inflateEnd(&stream) }
        var output = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 1 << 18)
        try data.withUnsafeBufferPointer { input in
            guard let inputBase = input.baseAddress else {
                throw LoupeError(.invalidInput, file: name, "empty gzip file")
            }
            stream.next_in = UnsafeMutablePointer(mutating: inputBase)
            stream.avail_in = UInt32(input.count)
            while true {
                let status: Int32 = chunk.withUnsafeMutableBufferPointer { out in
                    stream.next_out = out.baseAddress
                    stream.avail_out = UInt32(out.count)
                    return inflate(&stream, Z_NO_FLUSH)
                }
                let produced = chunk.count - Int(stream.avail_out)
                output.append(contentsOf: chunk[0..<produced])
                if declared == nil, let size = declaredSize?(output) {
                    declared = size
                    guard size <= maxBytes else {
                        throw LoupeError(.invalidInput, file: name, "its header declares \(size) bytes, more than the limit of \(maxBytes)")
                    }
                    limit = size
                }
                guard output.count <= limit else {
                    let what = declared == nil ? "\(limit) bytes" : "the \(limit) bytes its header declares"
                    throw LoupeError(.invalidInput, file: name, "decompresses to more than \(what); refused")
                }
                if status == Z_STREAM_END {
                    // Another gzip member may follow (concatenated .gz files are valid gzip).
                    if stream.avail_in == 0 { break }
                    guard inflateReset(&stream) == Z_OK else {
                        throw LoupeError(.invalidInput, file: name, "corrupt gzip data after member end")
                    }
                    continue
                }
                guard status == Z_OK || (status == Z_BUF_ERROR && produced > 0) else {
                    let detail = stream.msg.map { String(cString: $0) } ?? "zlib status \(status)"
                    let reason = status == Z_BUF_ERROR ? "truncated gzip data" : "corrupt gzip data (\(detail))"
                    throw LoupeError(.invalidInput, file: name, reason)
                }
            }
        }
        return output
    }

    /// Reads a file, inflating it when it starts with the gzip magic (see `decompress` for `declaredSize`).
    public static func readMaybeCompressed(path: String, declaredSize: (([UInt8]) -> Int?)? = nil) throws -> [UInt8] {
        let raw = try readFileBytes(path)
        return isGzip(raw) ? try decompress(raw, name: path, declaredSize: declaredSize) : raw
    }
}
