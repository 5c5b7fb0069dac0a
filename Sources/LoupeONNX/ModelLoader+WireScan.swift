import Foundation
import LoupeTensor

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A light pass over a model file's protobuf wire format, made before the file is read whole.
///
/// swift-protobuf decodes from bytes in memory and keeps unknown fields as copies, so a small
/// model with one multi-gigabyte unknown field would be read and copied in full. The scan reads
/// only the tags and lengths of the `ModelProto` and `GraphProto` levels (with `pread`, a window
/// at a time) and refuses, naming the field:
/// - a file larger than the memory budget;
/// - an unknown field longer than `unknownFieldLimit`;
/// - any length-delimited field longer than the budget, or running past the end of its parent.
enum ModelWireScan {
    /// The longest unknown field accepted (1 MiB): ONNX puts nothing large outside known fields.
    static let unknownFieldLimit = 1 << 20

    /// `ModelProto` field numbers Loupe decodes (onnx.proto); others are unknown.
    static let modelFields: [Int: String] = [1: "ir_version", 2: "producer_name", 3: "producer_version", 4: "domain",
                                             5: "model_version", 6: "doc_string", 7: "graph", 8: "opset_import",
                                             14: "metadata_props"]
    /// `GraphProto` field numbers Loupe decodes.
    static let graphFields: [Int: String] = [1: "node", 2: "name", 5: "initializer", 10: "doc_string", 11: "input",
                                             12: "output", 13: "value_info", 15: "sparse_initializer"]

    /// Scans the open model file `descriptor` of `size` bytes; throws a one-line error for the first problem.
    static func check(descriptor: Int32, size: Int, path: String, budget: Int = MemoryBudget.bytes) throws {
        func refuse(_ location: String, _ reason: String) -> LoupeError {
            LoupeError(.invalidModel, file: path, location: location, reason)
        }
        if size > budget {
            throw refuse("file", "the model file has \(size) bytes, more than the memory budget of \(budget) bytes"
                         + " \(MemoryBudget.hint); refused before reading it")
        }
        var reader = WindowedReader(descriptor: descriptor, size: size, path: path)
        var graphRange: Range<Int>?
        try scanFields(in: 0..<size, known: modelFields, level: "model", reader: &reader, budget: budget, refuse: refuse) { number, range in
            if number == 7 { graphRange = range }
        }
        if let graphRange {
            try scanFields(in: graphRange, known: graphFields, level: "graph", reader: &reader, budget: budget, refuse: refuse) { _, _ in }
        }
    }

    /// Walks the fields in `range`; `found` receives every length-delimited field's number and payload range.
    private static func scanFields(in range: Range<Int>, known: [Int: String], level: String, reader: inout WindowedReader,
                                   budget: Int, refuse: (String, String) -> LoupeError,
                                   found: (Int, Range<Int>) -> Void) throws {
        var offset = range.lowerBound
        while offset < range.upperBound {
            let fieldStart = offset
            guard let tag = try reader.varint(at: &offset, end: range.upperBound), tag >> 3 > 0 else {
                throw refuse("protobuf", "not a valid ONNX model (malformed \(level) field at byte \(fieldStart))")
            }
            let number = Int(truncatingIfNeeded: tag >> 3)
            let name = known[number].map { "\(level).\($0)" } ?? "\(level) field \(number)"
            switch tag & 7 {
            case 0:
                guard try reader.varint(at: &offset, end: range.upperBound) != nil else {
                    throw refuse(name, "not a valid ONNX model (truncated data)")
                }
            case 1: offset += 8
            case 5: offset += 4
            case 2:
                guard let length = try reader.varint(at: &offset, end: range.upperBound),
                      length <= UInt64(range.upperBound - offset) else {
                    throw refuse(name, "not a valid ONNX model (a field runs past the end of the data: truncated data)")
                }
                let count = Int(length)
                if known[number] == nil && count > unknownFieldLimit {
                    throw refuse(name, "unknown field of \(count) bytes (more than \(unknownFieldLimit)); refused before reading it")
                }
                if count > budget {
                    throw refuse(name, "field of \(count) bytes, more than the memory budget of \(budget) bytes")
                }
                found(number, offset..<(offset + count))
                offset += count
            default:
                throw refuse(name, "not a valid ONNX model (unsupported wire type \(tag & 7))")
            }
            guard offset <= range.upperBound else { throw refuse(name, "not a valid ONNX model (truncated data)") }
        }
    }
}

/// Reads a file at arbitrary offsets through one small window, so a scan touches only the bytes it needs.
private struct WindowedReader {
    let descriptor: Int32
    let size: Int
    let path: String
    private var window = [UInt8]()
    private var windowStart = 0
    private static let windowSize = 64 << 10

    init(descriptor: Int32, size: Int, path: String) {
        self.descriptor = descriptor
        self.size = size
        self.path = path
    }

    /// The byte at `offset`, loading the window that holds it when needed.
    mutating func byte(at offset: Int) throws -> UInt8 {
        if offset < windowStart || offset >= windowStart + window.count {
            let count = min(Self.windowSize, size - offset)
            window = [UInt8](repeating: 0, count: count)
            let read = window.withUnsafeMutableBytes { buffer -> Int in
                guard let base = buffer.baseAddress else { return -1 }
                var done = 0
                while done < count {
                    let n = pread(descriptor, base + done, count - done, off_t(offset + done))
                    if n < 0 && errno == EINTR { continue }
                    guard n > 0 else { return done }
                    done += n
                }
                return done
            }
            guard read == count else { throw LoupeError(.io, file: path, "cannot read the model file at byte \(offset)") }
            windowStart = offset
        }
        return window[offset - windowStart]
    }

    /// A base-128 varint at `offset` (advanced past it), or nil when it is malformed or runs past `end`.
    mutating func varint(at offset: inout Int, end: Int) throws -> UInt64? {
        var value: UInt64 = 0
        for shift in stride(from: 0, to: 64, by: 7) {
            guard offset < end else { return nil }
            let byte = try byte(at: offset)
            offset += 1
            value |= UInt64(byte & 0x7F) << UInt64(shift)
            if byte & 0x80 == 0 { return value }
        }
        return nil
    }
}
