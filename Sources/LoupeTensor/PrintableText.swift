/// Text from input files made safe to print on one line of a terminal, a log or a PDF.
///
/// Control characters become visible escapes (`\n`, `\t`, `\x1b`, ...), bidirectional-override
/// and isolate characters (which reorder the text around them, e.g. U+202E) become `\u{202E}`,
/// and text longer than `maxLength` characters is cut with a count of what was left out.
public enum PrintableText {
    /// Characters that change the display order of the text around them.
    static let bidiControls: Set<UInt32> = [0x061C, 0x200E, 0x200F, 0x202A, 0x202B, 0x202C, 0x202D, 0x202E,
                                            0x2066, 0x2067, 0x2068, 0x2069]

    /// `text` with every control or bidi character escaped, cut to `maxLength` characters (nil: no cut).
    public static func escaped(_ text: String, maxLength: Int? = nil) -> String {
        var out = ""
        var kept = 0
        let total = text.count
        for character in text {
            if let maxLength, kept >= maxLength {
                out += "… (\(total - kept) more characters)"
                break
            }
            kept += 1
            guard character.unicodeScalars.contains(where: needsEscape) else {
                out.append(character)
                continue
            }
            for scalar in character.unicodeScalars { out += needsEscape(scalar) ? escape(scalar) : String(scalar) }
        }
        return out
    }

    /// Whether `text` would print unchanged.
    public static func isPlain(_ text: String) -> Bool { !text.unicodeScalars.contains(where: needsEscape) }

    /// Whether `scalar` must not reach a terminal, log or PDF as is: a control, bidi or line-separator character.
    public static func isUnsafe(_ scalar: Unicode.Scalar) -> Bool { needsEscape(scalar) }

    private static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        let v = scalar.value
        return v < 0x20 || (0x7F...0x9F).contains(v) || bidiControls.contains(v) || v == 0x2028 || v == 0x2029
    }

    private static func escape(_ scalar: Unicode.Scalar) -> String {
        switch scalar {
        case "\n": return "\\n"
        case "\r": return "\\r"
        case "\t": return "\\t"
        default:
            let hex = String(scalar.value, radix: 16)
            return scalar.value < 0x100 ? "\\x" + String(repeating: "0", count: 2 - hex.count) + hex : "\\u{" + hex.uppercased() + "}"
        }
    }
}
