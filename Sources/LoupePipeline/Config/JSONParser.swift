import Foundation

/// A JSON syntax error with the line and column (both from 1) where the text stops being valid.
public struct JSONSyntaxError: Error, CustomStringConvertible, Sendable {
    public let line: Int
    public let column: Int
    public let message: String
    public var description: String { "line \(line), column \(column): \(message)" }
}

/// A strict RFC 8259 reader for configs and run files: no trailing commas, no duplicate keys, no
/// comments, no raw control characters in strings, nesting at most 256 deep. Every error names
/// the line and column, so a hand-edited config's mistake can be found at once.
struct JSONParser {
    private let bytes: [UInt8]
    private var index = 0
    private var depth = 0
    static let maximumDepth = 256

    init(_ data: Data) { bytes = [UInt8](data) }

    /// Parses one JSON value followed only by white space.
    mutating func parseDocument() throws -> JSONValue {
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { index = 3 }  // a UTF-8 byte-order mark is tolerated
        skipSpace()
        let value = try parseValue()
        skipSpace()
        guard index == bytes.count else { throw error("unexpected text after the JSON value") }
        return value
    }

    private func error(_ message: String, at position: Int? = nil) -> JSONSyntaxError {
        let end = min(position ?? index, bytes.count)
        var line = 1, column = 1
        for byte in bytes[0..<end] {
            if byte == 0x0A { line += 1; column = 1 } else if byte & 0xC0 != 0x80 { column += 1 }
        }
        return JSONSyntaxError(line: line, column: column, message: message)
    }

    private mutating func skipSpace() {
        while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
    }

    private mutating func expect(_ literal: String, _ value: JSONValue) throws -> JSONValue {
        let utf8 = Array(literal.utf8)
        guard bytes.count - index >= utf8.count, Array(bytes[index..<(index + utf8.count)]) == utf8 else {
            throw error("unexpected character")
        }
        index += utf8.count
        return value
    }

    private mutating func parseValue() throws -> JSONValue {
        guard index < bytes.count else { throw error("unexpected end of the text") }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): return try expect("true", .bool(true))
        case UInt8(ascii: "f"): return try expect("false", .bool(false))
        case UInt8(ascii: "n"): return try expect("null", .null)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        default: throw error("unexpected character")
        }
    }

    /// Skips space, then consumes `byte` when it comes next.
    private mutating func skipSpace(thenConsume byte: UInt8) -> Bool {
        skipSpace()
        guard index < bytes.count, bytes[index] == byte else { return false }
        index += 1
        return true
    }

    /// After a member or item: skips space, then consumes `,` (false: another follows) or `closer` (true: the end).
    private mutating func endsAfterElement(_ closer: UInt8, inside container: String) throws -> Bool {
        skipSpace()
        guard index < bytes.count else { throw error("unexpected end of the text inside \(container)") }
        let next = bytes[index]
        index += 1
        if next == closer { return true }
        guard next == UInt8(ascii: ",") else {
            throw error("expected ',' or '\(Character(Unicode.Scalar(closer)))'", at: index - 1)
        }
        return false
    }

    private mutating func nested<T>(_ body: (inout JSONParser) throws -> T) throws -> T {
        depth += 1
        defer { depth -= 1 }
        guard depth <= JSONParser.maximumDepth else { throw error("nested more than \(JSONParser.maximumDepth) levels deep") }
        return try body(&self)
    }

    private mutating func parseObject() throws -> JSONValue {
        try nested { parser in
            parser.index += 1
            var members = [String: JSONValue]()
            if parser.skipSpace(thenConsume: UInt8(ascii: "}")) { return .object(members) }
            while true {
                parser.skipSpace()
                let keyStart = parser.index
                guard parser.index < parser.bytes.count, parser.bytes[parser.index] == UInt8(ascii: "\"") else {
                    throw parser.error("expected a key in double quotes (a trailing comma is not allowed)")
                }
                let key = try parser.parseString()
                guard members[key] == nil else { throw parser.error("duplicate key \"\(key)\"", at: keyStart) }
                parser.skipSpace()
                guard parser.index < parser.bytes.count, parser.bytes[parser.index] == UInt8(ascii: ":") else { throw parser.error("expected ':'") }
                parser.index += 1
                parser.skipSpace()
                members[key] = try parser.parseValue()
                if try parser.endsAfterElement(UInt8(ascii: "}"), inside: "an object") { return .object(members) }
            }
        }
    }

    private mutating func parseArray() throws -> JSONValue {
        try nested { parser in
            parser.index += 1
            var items = [JSONValue]()
            if parser.skipSpace(thenConsume: UInt8(ascii: "]")) { return .array(items) }
            while true {
                parser.skipSpace()
                if parser.index < parser.bytes.count, parser.bytes[parser.index] == UInt8(ascii: "]") {
                    throw parser.error("a trailing comma is not allowed")
                }
                items.append(try parser.parseValue())
                if try parser.endsAfterElement(UInt8(ascii: "]"), inside: "an array") { return .array(items) }
            }
        }
    }

    private mutating func parseNumber() throws -> JSONValue {
        let start = index
        func digits() -> Int {
            let from = index
            while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
            return index - from
        }
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        let integer = digits()
        guard integer > 0 else { throw error("invalid number", at: start) }
        if integer > 1 && bytes[index - integer] == UInt8(ascii: "0") { throw error("invalid number (leading zero)", at: start) }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard digits() > 0 else { throw error("invalid number", at: start) }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard digits() > 0 else { throw error("invalid number", at: start) }
        }
        guard let text = String(bytes: bytes[start..<index], encoding: .ascii), let value = Double(text), value.isFinite else {
            throw error("number out of range", at: start)
        }
        return .number(value)
    }

    private mutating func parseString() throws -> String {
        let start = index
        index += 1
        var scalars = String.UnicodeScalarView()
        var run = [UInt8]()
        func flush() throws {
            guard !run.isEmpty else { return }
            guard let text = String(bytes: run, encoding: .utf8) else { throw error("invalid UTF-8 in a string", at: start) }
            scalars.append(contentsOf: text.unicodeScalars)
            run.removeAll(keepingCapacity: true)
        }
        while true {
            guard index < bytes.count else { throw error("unterminated string", at: start) }
            let byte = bytes[index]
            index += 1
            switch byte {
            case UInt8(ascii: "\""):
                try flush()
                return String(scalars)
            case UInt8(ascii: "\\"):
                try flush()
                scalars.append(try parseEscape())
            case 0..<0x20:
                throw error("a control character must be escaped in a string", at: index - 1)
            default:
                run.append(byte)
            }
        }
    }

    private mutating func hexQuad() throws -> UInt32 {
        guard bytes.count - index >= 4, let text = String(bytes: bytes[index..<(index + 4)], encoding: .ascii),
              let value = UInt32(text, radix: 16) else { throw error("invalid \\u escape") }
        index += 4
        return value
    }

    private mutating func parseEscape() throws -> Unicode.Scalar {
        guard index < bytes.count else { throw error("unterminated escape") }
        let byte = bytes[index]
        index += 1
        switch byte {
        case UInt8(ascii: "\""): return "\""
        case UInt8(ascii: "\\"): return "\\"
        case UInt8(ascii: "/"): return "/"
        case UInt8(ascii: "b"): return "\u{08}"
        case UInt8(ascii: "f"): return "\u{0C}"
        case UInt8(ascii: "n"): return "\n"
        case UInt8(ascii: "r"): return "\r"
        case UInt8(ascii: "t"): return "\t"
        case UInt8(ascii: "u"):
            var code = try hexQuad()
            if (0xD800...0xDBFF).contains(code) {
                guard bytes.count - index >= 2, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                    throw error("unpaired surrogate in a \\u escape")
                }
                index += 2
                let low = try hexQuad()
                guard (0xDC00...0xDFFF).contains(low) else { throw error("unpaired surrogate in a \\u escape") }
                code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
            }
            guard let scalar = Unicode.Scalar(code) else { throw error("invalid \\u escape") }
            return scalar
        default:
            throw error("invalid escape", at: index - 2)
        }
    }
}
