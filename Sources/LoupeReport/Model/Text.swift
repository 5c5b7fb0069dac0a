/// Where a link goes.
public enum LinkTarget: Equatable, Sendable {
    /// A named destination inside the document (heading anchors are `h-1`, `h-2`, ...).
    case destination(String)
    /// An external address.
    case uri(String)
}

/// A piece of text with one style; the text is always printed literally (never parsed as markup).
public struct TextRun: Equatable, Sendable {
    public var text: String
    public var bold: Bool
    public var italic: Bool
    public var monospace: Bool
    public var link: LinkTarget?
    /// A colour overriding the paragraph's colour.
    public var color: Color?

    /// Creates a run.
    public init(_ text: String, bold: Bool = false, italic: Bool = false, monospace: Bool = false,
                link: LinkTarget? = nil, color: Color? = nil) {
        self.text = text; self.bold = bold; self.italic = italic; self.monospace = monospace
        self.link = link; self.color = color
    }

    /// A bold run.
    public static func bold(_ s: String) -> TextRun { TextRun(s, bold: true) }
    /// An italic run.
    public static func italic(_ s: String) -> TextRun { TextRun(s, italic: true) }
    /// A monospace run (code, file names, numbers to copy).
    public static func code(_ s: String) -> TextRun { TextRun(s, monospace: true) }
    /// A linked run.
    public static func link(_ s: String, to target: LinkTarget) -> TextRun { TextRun(s, link: target) }
}

/// Font family of a text style.
public enum FontFamily: Sendable, Equatable {
    case sans, serif, mono
}

/// Horizontal alignment of text within its box.
public enum TextAlignment: Sendable, Equatable {
    case left, center, right
}

/// How a block of text looks; sizes in points.
public struct TextStyle: Equatable, Sendable {
    public var size: Double
    public var family: FontFamily
    public var bold: Bool
    public var italic: Bool
    public var color: Color
    public var alignment: TextAlignment
    /// Extra space between lines, as a fraction of the font size.
    public var lineSpacing: Double

    /// Creates a style.
    public init(size: Double = 10, family: FontFamily = .sans, bold: Bool = false, italic: Bool = false,
                color: Color = .text, alignment: TextAlignment = .left, lineSpacing: Double = 0.15) {
        self.size = size; self.family = family; self.bold = bold; self.italic = italic
        self.color = color; self.alignment = alignment; self.lineSpacing = lineSpacing
    }

    /// The same style with another alignment.
    public func aligned(_ a: TextAlignment) -> TextStyle { var s = self; s.alignment = a; return s }
    /// The same style in bold.
    public var emboldened: TextStyle { var s = self; s.bold = true; return s }
    /// The same style with another colour.
    public func colored(_ c: Color) -> TextStyle { var s = self; s.color = c; return s }
    /// The same style with another size.
    public func sized(_ v: Double) -> TextStyle { var s = self; s.size = v; return s }
}

/// Runs of text sharing a base style: what a canvas measures and draws.
public struct StyledText: Equatable, Sendable {
    public var runs: [TextRun]
    public var style: TextStyle
    /// Creates styled text from runs.
    public init(_ runs: [TextRun], style: TextStyle) { self.runs = runs; self.style = style }
    /// Creates styled text from one plain string.
    public init(_ text: String, style: TextStyle) { self.init([TextRun(text)], style: style) }
    /// The plain characters of all runs.
    public var plainText: String { runs.map(\.text).joined() }

    /// The runs cut to the UTF-8 byte range `range` of `plainText` (offsets inside a character round down).
    public func slice(_ range: Range<Int>) -> StyledText {
        var out: [TextRun] = []
        var offset = 0
        for run in runs {
            let bytes = Array(run.text.utf8)
            let lo = max(range.lowerBound - offset, 0), hi = min(range.upperBound - offset, bytes.count)
            offset += bytes.count
            guard lo < hi else { continue }
            var piece = run
            piece.text = String(decoding: bytes[lo..<hi], as: UTF8.self)
            out.append(piece)
        }
        return StyledText(out, style: style)
    }
}
