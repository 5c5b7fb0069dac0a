import Foundation

/// Element types Loupe writes to `.npy` files.
public enum NPYType: String, Sendable, CaseIterable {
    /// `<f4`, little-endian Float32.
    case float32 = "<f4"
    /// `<f8`, little-endian Float64.
    case float64 = "<f8"
    /// `|u1`, unsigned bytes (images).
    case uint8 = "|u1"
    /// `<i8`, little-endian Int64.
    case int64 = "<i8"
}

/// The element types Loupe reads (a superset of `NPYType`).
enum NPYStorage: Equatable {
    case float32, float64, uint8, int64, int32, bool

    var itemSize: Int {
        switch self {
        case .uint8, .bool: return 1
        case .int32, .float32: return 4
        case .float64, .int64: return 8
        }
    }

    /// Parses a `descr` string such as `<f4`, refusing big-endian and object dtypes.
    static func parse(_ descr: String, fail: (String) -> LoupeError) throws -> NPYStorage {
        guard let order = descr.first else { throw fail("empty descr") }
        let code = String(descr.dropFirst())
        if code.hasPrefix("O") || descr.hasPrefix("O") {
            throw fail("object arrays (pickles) are not supported")
        }
        switch order {
        case ">": throw fail("big-endian dtype '\(descr)' is not supported")
        case "<", "|", "=": break
        default: throw fail("unsupported dtype '\(descr)'")
        }
        switch code {
        case "f4": return .float32
        case "f8": return .float64
        case "u1": return .uint8
        case "i8": return .int64
        case "i4": return .int32
        case "b1": return .bool
        default:
            throw fail("unsupported dtype '\(descr)' (expected <f4, <f8, |u1, <i8, <i4 or |b1)")
        }
    }
}

/// A parsed `.npy` header: dtype, C order, shape, and where the data starts.
struct NPYHeader {
    var storage: NPYStorage
    var shape: [Int]
    var dataOffset: Int

    /// Longest header accepted (numpy itself refuses more than 10,000 bytes by default).
    static let maximumHeaderLength = 10_000
    static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // \x93NUMPY

    /// Parses the header at the start of `bytes`; errors name `name` and the `header` field.
    static func parse(_ bytes: UnsafeRawBufferPointer, name: String) throws -> NPYHeader {
        func fail(_ reason: String) -> LoupeError {
            LoupeError(.invalidInput, file: name, location: "header", reason)
        }
        guard bytes.count >= 10 else { throw fail("file is too short to be a .npy array (\(bytes.count) bytes)") }
        guard Array(bytes[0..<6]) == magic else { throw fail("not a .npy file (bad magic)") }
        let major = bytes[6], minor = bytes[7]
        let lengthFieldSize: Int
        switch major {
        case 1: lengthFieldSize = 2
        case 2, 3: lengthFieldSize = 4
        default: throw fail("unsupported format version \(major).\(minor)")
        }
        guard minor == 0 else { throw fail("unsupported format version \(major).\(minor)") }
        let start = 8 + lengthFieldSize
        guard bytes.count >= start else { throw fail("truncated header length") }
        var headerLength = 0
        for i in 0..<lengthFieldSize { headerLength |= Int(bytes[8 + i]) << (8 * i) }
        guard headerLength <= maximumHeaderLength else {
            throw fail("header is \(headerLength) bytes (more than \(maximumHeaderLength))")
        }
        guard bytes.count - start >= headerLength else {
            throw fail("truncated header (\(headerLength) bytes declared, \(bytes.count - start) present)")
        }
        let headerBytes = UnsafeRawBufferPointer(rebasing: bytes[start..<(start + headerLength)])
        guard let text = major == 3 ? String(bytes: headerBytes, encoding: .utf8)
                                    : String(bytes: headerBytes, encoding: .isoLatin1) else {
            throw fail("header is not valid text")
        }
        var parser = NPYDictParser(text: text, fail: fail)
        let dict = try parser.parseDictionary()
        guard let descrValue = dict["descr"] else { throw fail("missing 'descr'") }
        guard case .string(let descr) = descrValue else {
            throw fail("structured dtypes are not supported")
        }
        let storage = try NPYStorage.parse(descr, fail: fail)
        guard let orderValue = dict["fortran_order"] else { throw fail("missing 'fortran_order'") }
        guard case .bool(let fortran) = orderValue else { throw fail("'fortran_order' must be True or False") }
        if fortran { throw fail("fortran_order arrays are not supported") }
        guard let shapeValue = dict["shape"] else { throw fail("missing 'shape'") }
        guard case .tuple(let shape) = shapeValue else { throw fail("'shape' must be a tuple of integers") }
        for key in dict.keys where !["descr", "fortran_order", "shape"].contains(key) {
            throw fail("unexpected key '\(key)'")
        }
        return NPYHeader(storage: storage, shape: shape, dataOffset: start + headerLength)
    }

    /// The total size (header plus data) the header at the start of `prefix` declares, or nil while
    /// `prefix` is too short to hold the whole header; a size that overflows counts as `Int.max`.
    static func declaredFileSize(_ prefix: UnsafeRawBufferPointer, name: String) throws -> Int? {
        guard prefix.count >= 12 else { return nil }
        let lengthFieldSize = prefix[6] == 1 ? 2 : 4
        var headerLength = 0
        for i in 0..<lengthFieldSize { headerLength |= Int(prefix[8 + i]) << (8 * i) }
        guard headerLength <= maximumHeaderLength, prefix.count >= 8 + lengthFieldSize + headerLength else {
            return headerLength <= maximumHeaderLength ? nil : try parse(prefix, name: name).dataOffset
        }
        let header = try parse(prefix, name: name)
        guard let count = checkedProduct(header.shape) else { return Int.max }
        let (data, overflow) = count.multipliedReportingOverflow(by: header.storage.itemSize)
        let (total, overflow2) = data.addingReportingOverflow(header.dataOffset)
        return overflow || overflow2 ? Int.max : total
    }

    /// Encodes a version 1.0 header (2.0 when longer than 65,535 bytes), padded to 64 bytes.
    static func encode(descr: String, shape: [Int]) -> [UInt8] {
        let shapeText: String
        switch shape.count {
        case 0: shapeText = "()"
        case 1: shapeText = "(\(shape[0]),)"
        default: shapeText = "(" + shape.map(String.init).joined(separator: ", ") + ")"
        }
        let dict = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shapeText), }"
        for (major, lengthSize) in [(UInt8(1), 2), (UInt8(2), 4)] {
            let prefix = 8 + lengthSize
            let unpadded = prefix + dict.utf8.count + 1
            let total = (unpadded + 63) / 64 * 64
            let headerLength = total - prefix
            if lengthSize == 2 && headerLength > 0xFFFF { continue }
            var out = magic + [major, 0]
            for i in 0..<lengthSize { out.append(UInt8(truncatingIfNeeded: headerLength >> (8 * i))) }
            out += Array(dict.utf8)
            out += [UInt8](repeating: 0x20, count: total - unpadded)
            out.append(0x0A)
            return out
        }
        return []  // unreachable: a 4-byte length always fits
    }
}

/// A value in the Python-literal header dictionary.
enum NPYLiteral: Equatable {
    case string(String)
    case bool(Bool)
    case tuple([Int])
    case other
}

/// A strict parser for the small Python dict literal of a `.npy` header.
struct NPYDictParser {
    private let chars: [Character]
    private var index = 0
    private let fail: (String) -> LoupeError

    init(text: String, fail: @escaping (String) -> LoupeError) {
        self.chars = Array(text)
        self.fail = fail
    }

    mutating func parseDictionary() throws -> [String: NPYLiteral] {
        skipSpace()
        try expect("{")
        var result: [String: NPYLiteral] = [:]
        while true {
            skipSpace()
            if peek() == "}" { index += 1; break }
            guard case .string(let key) = try parseValue() else { throw fail("dictionary keys must be strings") }
            skipSpace()
            try expect(":")
            let value = try parseValue()
            if result[key] != nil { throw fail("duplicate key '\(key)'") }
            result[key] = value
            skipSpace()
            if peek() == "," { index += 1; continue }
            skipSpace()
            try expect("}")
            break
        }
        skipSpace()
        guard index == chars.count else { throw fail("unexpected text after the dictionary") }
        return result
    }

    private mutating func parseValue() throws -> NPYLiteral {
        skipSpace()
        guard let c = peek() else { throw fail("unexpected end of header") }
        if c == "'" || c == "\"" { return .string(try parseString()) }
        if c == "(" { return .tuple(try parseTuple()) }
        if c == "[" { try skipBracketed(); return .other }
        var word = ""
        while let ch = peek(), ch.isLetter || ch.isNumber || ch == "_" { word.append(ch); index += 1 }
        switch word {
        case "True": return .bool(true)
        case "False": return .bool(false)
        case "": throw fail("unexpected character '\(c)'")
        default: return .other
        }
    }

    private mutating func parseString() throws -> String {
        guard let quote = peek() else { throw fail("unexpected end of header") }
        index += 1
        var text = ""
        while let ch = peek() {
            index += 1
            if ch == quote { return text }
            if ch == "\\" { throw fail("escapes in header strings are not supported") }
            text.append(ch)
        }
        throw fail("unterminated string")
    }

    private mutating func parseTuple() throws -> [Int] {
        try expect("(")
        var values: [Int] = []
        while true {
            skipSpace()
            if peek() == ")" { index += 1; return values }
            var digits = ""
            if peek() == "-" { digits.append("-"); index += 1 }
            while let ch = peek(), ch.isASCII, ch.isNumber { digits.append(ch); index += 1 }
            // Python 2 headers may write longs as `3L`.
            if peek() == "L" { index += 1 }
            guard let value = Int(digits) else { throw fail("'shape' must be a tuple of integers") }
            guard value >= 0 else { throw fail("negative dimension \(value) in 'shape'") }
            values.append(value)
            skipSpace()
            if peek() == "," { index += 1; continue }
            skipSpace()
            try expect(")")
            return values
        }
    }

    private mutating func skipBracketed() throws {
        var depth = 0
        while let ch = peek() {
            index += 1
            if ch == "[" || ch == "(" { depth += 1 }
            if ch == "]" || ch == ")" { depth -= 1; if depth == 0 { return } }
        }
        throw fail("unterminated list")
    }

    private func peek() -> Character? { index < chars.count ? chars[index] : nil }

    private mutating func skipSpace() {
        while let ch = peek(), ch == " " || ch == "\n" || ch == "\t" || ch == "\r" { index += 1 }
    }

    private mutating func expect(_ ch: Character) throws {
        guard peek() == ch else {
            let found = peek().map { "'\($0)'" } ?? "end of header"
            throw fail("expected '\(ch)' but found \(found)")
        }
        index += 1
    }
}
