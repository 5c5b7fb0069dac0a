import Foundation
import LoupeTensor

/// Appends little-endian numbers, strings and lists to a shard payload (format: docs/sharding.md).
///
/// Floating-point values are stored as their IEEE bit patterns, so a merge reads back exactly the
/// numbers a shard computed.
struct ShardWriter {
    private(set) var data = Data()

    mutating func int(_ value: Int) {
        withUnsafeBytes(of: Int64(value).littleEndian) { data.append(contentsOf: $0) }
    }

    mutating func double(_ value: Double) {
        withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) }
    }

    mutating func float(_ value: Float) {
        withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) }
    }

    mutating func flag(_ value: Bool) { data.append(value ? 1 : 0) }

    mutating func text(_ value: String) {
        let bytes = Data(value.utf8)
        int(bytes.count)
        data.append(bytes)
    }

    mutating func ints(_ values: [Int]) { int(values.count); values.forEach { int($0) } }
    mutating func doubles(_ values: [Double]) { int(values.count); values.forEach { double($0) } }
    mutating func texts(_ values: [String]) { int(values.count); values.forEach { text($0) } }

    /// Floats as one count and a packed run of 4-byte bit patterns.
    mutating func floats(_ values: [Float]) {
        int(values.count)
        var packed = [UInt32](repeating: 0, count: values.count)
        for i in values.indices { packed[i] = values[i].bitPattern.littleEndian }
        packed.withUnsafeBytes { data.append(contentsOf: $0) }
    }

    /// A list whose elements encode themselves.
    mutating func list<T>(_ values: [T], _ element: (inout ShardWriter, T) -> Void) {
        int(values.count)
        for value in values { element(&self, value) }
    }
}

/// Reads what `ShardWriter` wrote; any truncation or impossible count is a one-line `invalidInput` error naming the file.
struct ShardReader {
    let data: Data
    let file: String
    private var offset: Int

    init(_ data: Data, file: String) {
        self.data = data
        self.file = file
        offset = data.startIndex
    }

    var atEnd: Bool { offset == data.endIndex }

    /// Claims the next `count` bytes; returns where they start, counted from the payload's first byte.
    private mutating func advance(_ count: Int, _ what: String) throws -> Int {
        guard count >= 0, data.endIndex - offset >= count else {
            throw LoupeError(.invalidInput, file: file, location: "byte \(offset - data.startIndex)", "the shard ends inside \(what)")
        }
        defer { offset += count }
        return offset - data.startIndex
    }

    private mutating func take(_ count: Int, _ what: String) throws -> Data {
        let start = try advance(count, what) + data.startIndex
        return data[start..<(start + count)]
    }

    /// `count` little-endian values of `T`, read in place from the next `count` × `T`'s size bytes.
    private mutating func run<T: FixedWidthInteger, Value>(_ count: Int, of _: T.Type, _ what: String,
                                                           _ convert: (T) -> Value) throws -> [Value] {
        let size = MemoryLayout<T>.size
        let start = try advance(count * size, what)
        return data.withUnsafeBytes { raw in
            (0..<count).map { convert(T(littleEndian: raw.loadUnaligned(fromByteOffset: start + size * $0, as: T.self))) }
        }
    }

    /// One little-endian `T` read in place.
    private mutating func scalar<T: FixedWidthInteger>(_: T.Type, _ what: String) throws -> T {
        let start = try advance(MemoryLayout<T>.size, what)
        return data.withUnsafeBytes { T(littleEndian: $0.loadUnaligned(fromByteOffset: start, as: T.self)) }
    }

    private mutating func word(_ what: String) throws -> UInt64 { try scalar(UInt64.self, what) }

    mutating func int(_ what: String = "a number") throws -> Int { Int(Int64(bitPattern: try word(what))) }

    /// A count of items that each need at least `itemBytes` more bytes (refuses counts the file cannot hold).
    mutating func count(_ what: String, itemBytes: Int = 1) throws -> Int {
        let value = try int(what)
        guard value >= 0, value <= (data.endIndex - offset) / max(1, itemBytes) else {
            throw LoupeError(.invalidInput, file: file, location: "byte \(offset - data.startIndex)", "impossible \(what) count \(value)")
        }
        return value
    }

    mutating func double(_ what: String = "a number") throws -> Double { Double(bitPattern: try word(what)) }

    mutating func float(_ what: String = "a number") throws -> Float { Float(bitPattern: try scalar(UInt32.self, what)) }

    mutating func flag(_ what: String = "a flag") throws -> Bool { try take(1, what).first == 1 }

    mutating func text(_ what: String = "a string") throws -> String {
        let bytes = try take(try count(what), what)
        guard let value = String(data: bytes, encoding: .utf8) else {
            throw LoupeError(.invalidInput, file: file, location: what, "not UTF-8")
        }
        return value
    }

    mutating func ints(_ what: String) throws -> [Int] { try run(count(what, itemBytes: 8), of: Int64.self, what) { Int($0) } }
    mutating func doubles(_ what: String) throws -> [Double] { try run(count(what, itemBytes: 8), of: UInt64.self, what, Double.init(bitPattern:)) }
    mutating func texts(_ what: String) throws -> [String] { try (0..<count(what, itemBytes: 8)).map { _ in try text(what) } }
    mutating func floats(_ what: String) throws -> [Float] { try run(count(what, itemBytes: 4), of: UInt32.self, what, Float.init(bitPattern:)) }

    mutating func list<T>(_ what: String, _ element: (inout ShardReader) throws -> T) throws -> [T] {
        try (0..<count(what)).map { _ in try element(&self) }
    }
}
