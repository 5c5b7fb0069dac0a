import LoupeTensor
import XCTest

/// Error lines carry names from hostile files: they must stay one line, free of terminal escapes and bidi overrides.
final class PrintableTextTests: XCTestCase {
    func testControlCharactersAreEscaped() {
        XCTAssertEqual(PrintableText.escaped("a\nb\rc\td\u{1B}[31me\u{7F}"), "a\\nb\\rc\\td\\x1b[31me\\x7f")
        XCTAssertEqual(PrintableText.escaped("x\u{0}y"), "x\\x00y")
        XCTAssertEqual(PrintableText.escaped("plain names stay: café, 猫"), "plain names stay: café, 猫")
        XCTAssertTrue(PrintableText.isPlain("café"))
        XCTAssertFalse(PrintableText.isPlain("a\nb"))
    }

    func testBidiOverridesAreEscaped() {
        XCTAssertEqual(PrintableText.escaped("cat\u{202E}god"), "cat\\u{202E}god")
        XCTAssertEqual(PrintableText.escaped("\u{2066}x\u{2069}"), "\\u{2066}x\\u{2069}")
    }

    func testLongTextIsCut() {
        let long = String(repeating: "n", count: 5_000)
        XCTAssertEqual(PrintableText.escaped(long, maxLength: 10), "nnnnnnnnnn… (4990 more characters)")
        XCTAssertEqual(PrintableText.escaped("short", maxLength: 10), "short")
    }

    func testErrorLinesAreOneSafeLine() {
        let name = "member\n\u{1B}]0;pwned\u{7}" + String(repeating: "x", count: 5_000)
        let error = LoupeError(.invalidInput, file: "a\nb.npz", location: "entry '\(name)'", "bad header\nsecond line")
        let line = error.description
        XCTAssertFalse(line.contains("\n"))
        XCTAssertFalse(line.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F })
        XCTAssertTrue(line.hasPrefix("a\\nb.npz: entry 'member\\n\\x1b]0;pwned\\x07"), line)
        XCTAssertTrue(line.contains("more characters"), line)
        XCTAssertTrue(line.hasSuffix("bad header\\nsecond line"), line)
        XCTAssertLessThan(line.count, 2_000)
    }
}
