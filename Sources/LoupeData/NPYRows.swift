import Foundation
import LoupeTensor

/// Element types an array dataset can hold.
public enum ArrayElement: Sendable, Equatable {
    case uint8, int8, int16, uint16, int32, uint32, int64, uint64, float16, float32, float64, bool

    /// Bytes per element.
    public var size: Int {
        switch self {
        case .uint8, .int8, .bool: return 1
        case .int16, .uint16, .float16: return 2
        case .int32, .uint32, .float32: return 4
        case .int64, .uint64, .float64: return 8
        }
    }

    /// Whether the type holds floating-point values.
    public var isFloat: Bool { self == .float16 || self == .float32 || self == .float64 }

    /// The type for a little-endian (or byte-sized) NumPy `descr`, or nil.
    init?(descr: String) {
        let table: [String: ArrayElement] = ["|u1": .uint8, "u1": .uint8, "|i1": .int8, "i1": .int8, "|b1": .bool,
                                             "<i2": .int16, "<u2": .uint16, "<i4": .int32, "<u4": .uint32,
                                             "<i8": .int64, "<u8": .uint64, "<f2": .float16, "<f4": .float32, "<f8": .float64]
        guard let element = table[descr] else { return nil }
        self = element
    }

    /// Reads element `i` of little-endian raw bytes as a Double.
    func value(_ raw: UnsafeRawBufferPointer, _ i: Int) -> Double {
        let at = i * size
        switch self {
        case .uint8, .bool: return Double(raw[at])
        case .int8: return Double(Int8(bitPattern: raw[at]))
        case .int16: return Double(Int16(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: Int16.self)))
        case .uint16: return Double(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: UInt16.self)))
        case .int32: return Double(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: Int32.self)))
        case .uint32: return Double(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: UInt32.self)))
        case .int64: return Double(Int64(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: Int64.self)))
        case .uint64: return Double(UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: UInt64.self)))
        case .float16:
            let bits = UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: UInt16.self))
            return Double(Float(Float16(bitPattern: bits)))
        case .float32:
            return Double(Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: UInt32.self))))
        case .float64:
            return Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: UInt64.self)))
        }
    }
}

/// An `.npy` file opened for reading rows (first-axis slices) at offsets, without loading it.
///
/// Supports NPY format versions 1–3, C order, little-endian numeric types.
public final class NPYRows: @unchecked Sendable {
    public let path: String
    public let shape: [Int]
    public let element: ArrayElement
    /// Byte offset of the first element.
    public let dataOffset: Int
    /// Bytes per row (`shape[1...]` elements).
    public let rowBytes: Int
    private let file: RandomAccessFile

    /// Opens the file and parses its header, checking the data fits the file.
    public init(path: String) throws {
        self.path = path
        file = try RandomAccessFile(path: path)
        let prefix = try file.read(count: min(file.size, 12), at: 0)
        let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]
        guard prefix.count >= 10, Array(prefix[0..<6]) == magic else {
            throw LoupeError(.invalidInput, file: path, "not an NPY file (bad magic)")
        }
        let major = prefix[6]
        let headerLength: Int, headerStart: Int
        switch major {
        case 1: headerLength = Int(prefix[8]) | Int(prefix[9]) << 8; headerStart = 10
        case 2, 3:
            guard prefix.count >= 12 else { throw LoupeError(.invalidInput, file: path, "truncated NPY header") }
            headerLength = Int(prefix[8]) | Int(prefix[9]) << 8 | Int(prefix[10]) << 16 | Int(prefix[11]) << 24
            headerStart = 12
        default: throw LoupeError(.invalidInput, file: path, "unsupported NPY version \(major)")
        }
        guard headerLength <= 1 << 20, headerStart + headerLength <= file.size else {
            throw LoupeError(.invalidInput, file: path, "NPY header length \(headerLength) runs past the end of the file")
        }
        let text = String(decoding: try file.read(count: headerLength, at: headerStart), as: UTF8.self)
        let header = try NPYHeaderText(text, path: path)
        guard let element = ArrayElement(descr: header.descr) else {
            throw LoupeError(.invalidInput, file: path, "unsupported NPY dtype '\(header.descr)' (need little-endian int, uint, float or bool)")
        }
        guard !header.fortranOrder else {
            throw LoupeError(.invalidInput, file: path, "Fortran-order arrays are not supported; save with np.ascontiguousarray")
        }
        shape = header.shape
        self.element = element
        dataOffset = headerStart + headerLength
        guard let total = checkedProduct(shape + [element.size]), total <= file.size - dataOffset,
              let row = checkedProduct(shape.dropFirst() + [element.size]) else {
            throw LoupeError(.invalidInput, file: path, "NPY header shape \(shape) needs more data than the file holds (truncated?)")
        }
        rowBytes = row
    }

    /// Number of rows (first-axis extent; 1 for a scalar).
    public var rowCount: Int { shape.first ?? 1 }

    /// Reads rows `start..<start+count` as raw little-endian bytes.
    public func readRows(_ start: Int, count: Int) throws -> [UInt8] {
        try file.read(count: count * rowBytes, at: dataOffset + start * rowBytes)
    }

    /// Reads the whole array as Doubles (for small arrays such as labels).
    public func readAll() throws -> [Double] {
        let bytes = try readRows(0, count: rowCount)
        let n = rowBytes / element.size * rowCount
        return bytes.withUnsafeBytes { raw in (0..<n).map { element.value(raw, $0) } }
    }
}

/// The dictionary of an NPY header: `{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }`.
struct NPYHeaderText {
    var descr = ""
    var fortranOrder = false
    var shape = [Int]()

    /// Parses the three keys NumPy writes; anything else is an error naming the file.
    init(_ text: String, path: String) throws {
        func field(_ key: String) -> Substring? {
            guard let range = text.range(of: "'\(key)':") else { return nil }
            return text[range.upperBound...].drop { $0 == " " }
        }
        guard let descrText = field("descr"), descrText.first == "'",
              let end = descrText.dropFirst().firstIndex(of: "'") else {
            throw LoupeError(.invalidInput, file: path, "NPY header has no readable 'descr'")
        }
        descr = String(descrText[descrText.index(after: descrText.startIndex)..<end])
        fortranOrder = field("fortran_order")?.hasPrefix("True") ?? false
        guard let shapeText = field("shape"), shapeText.first == "(", let close = shapeText.firstIndex(of: ")") else {
            throw LoupeError(.invalidInput, file: path, "NPY header has no readable 'shape'")
        }
        let inner = shapeText[shapeText.index(after: shapeText.startIndex)..<close]
        for part in inner.split(separator: ",") {
            let trimmed = part.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            guard let dim = Int(trimmed.hasSuffix("L") ? String(trimmed.dropLast()) : trimmed), dim >= 0 else {
                throw LoupeError(.invalidInput, file: path, "NPY header shape has a bad extent '\(trimmed)'")
            }
            shape.append(dim)
        }
    }
}
