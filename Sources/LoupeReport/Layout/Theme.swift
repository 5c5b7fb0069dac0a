/// Fonts, sizes and spacing of a report.
public struct Theme: Sendable {
    public var body = TextStyle(size: 9.5, lineSpacing: 0.3)
    public var heading1 = TextStyle(size: 17, bold: true, color: .accent)
    public var heading2 = TextStyle(size: 13, bold: true, color: .accent)
    public var heading3 = TextStyle(size: 10.5, bold: true, color: .text)
    public var caption = TextStyle(size: 8, italic: true, color: .muted, alignment: .center)
    public var table = TextStyle(size: 8, lineSpacing: 0.1)
    public var chartLabel = TextStyle(size: 7, color: .muted)
    public var headerFooter = TextStyle(size: 7.5, color: .muted)
    /// Vertical space between blocks.
    public var blockSpacing = 9.0
    /// Table cell padding (horizontal, vertical).
    public var cellPadding = (4.0, 2.5)

    /// The default theme (DejaVu Sans, 9.5 pt body).
    public init() {}

    /// The style of a heading of `level` (1...3).
    public func heading(_ level: Int) -> TextStyle {
        level <= 1 ? heading1 : (level == 2 ? heading2 : heading3)
    }
}
