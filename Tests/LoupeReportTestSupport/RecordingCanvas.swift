import LoupeReport

/// A canvas that records what is drawn, with a deterministic approximate text measurer.
///
/// Used by unit tests of layout: every character is `0.55 × size` wide (`0.6` in monospace),
/// lines are `1.17 × size` high plus the style's line spacing, and wrapping is greedy on spaces.
public final class RecordingCanvas: Canvas {
    /// One recorded call.
    public enum Operation: Equatable {
        case beginPage(Size)
        case endPage
        case text(String, Point, width: Double)
        case fill(Int)
        case dots(Int)
        case stroke(Int)
        case image(width: Int, height: Int, rect: Rect)
        case destination(String, Point)
        case link(LinkTarget, Rect)
        case outline(String, level: Int, destination: String)
    }

    public private(set) var operations: [Operation] = []
    public private(set) var pageCount = 0
    /// Every call that was given a NaN or infinite coordinate, size or width, as "page N: what".
    public private(set) var nonFiniteGeometry: [String] = []
    /// Every text drawn, with the size it was set at, its box width, its line limit and its angle (degrees).
    public private(set) var drawnTexts: [(text: String, size: Double, width: Double, maxLines: Int, angle: Double)] = []

    /// Creates an empty recording.
    public init() {}

    /// The texts drawn on page `page` (1-based).
    public func texts(onPage page: Int) -> [String] {
        var current = 0
        var out: [String] = []
        for op in operations {
            if case .beginPage = op { current += 1 }
            if current == page, case let .text(s, _, _) = op { out.append(s) }
        }
        return out
    }

    public func measure(_ text: StyledText, width: Double, maxLines: Int) -> TextMetrics {
        let lines = wrap(text, width: width)
        let count = maxLines > 0 ? min(lines.count, maxLines) : lines.count
        let lineHeight = text.style.size * (1.17 + text.style.lineSpacing)
        let widest = lines.prefix(count).map { Double($0) * charWidth(text.style) }.max() ?? 0
        return TextMetrics(width: min(widest, width), lineHeights: Array(repeating: lineHeight, count: max(count, 1)))
    }

    /// Every text drawn, with its 1-based page.
    public var allTexts: [(page: Int, text: String)] {
        var current = 0
        var out: [(page: Int, text: String)] = []
        for op in operations {
            if case .beginPage = op { current += 1 }
            if case let .text(s, _, _) = op { out.append((current, s)) }
        }
        return out
    }

    public func beginPage(size: Size) throws {
        pageCount += 1
        operations.append(.beginPage(size))
        check("page size", [size.width, size.height])
    }
    public func endPage() throws { operations.append(.endPage) }
    public func drawText(_ text: StyledText, at origin: Point, width: Double, maxLines: Int, angle: Double) {
        operations.append(.text(text.plainText, origin, width: width))
        drawnTexts.append((text.plainText, text.style.size, width, maxLines, angle))
        check("text '\(text.plainText.prefix(40))'", [origin.x, origin.y, width, angle, text.style.size])
    }
    public func fill(_ path: Path, color: Color) {
        operations.append(.fill(path.elements.count))
        check("fill", coordinates(path) + [color.red, color.green, color.blue, color.alpha])
    }
    public func fillDots(_ centers: [Point], radius: Double, color: Color) {
        operations.append(.dots(centers.count))
        check("dots", centers.flatMap { [$0.x, $0.y] } + [radius, color.red, color.green, color.blue, color.alpha])
    }
    public func stroke(_ path: Path, color: Color, lineWidth: Double, dash: [Double]) {
        operations.append(.stroke(path.elements.count))
        check("stroke", coordinates(path) + dash + [lineWidth, color.red, color.green, color.blue, color.alpha])
    }
    public func drawImage(_ image: RasterImage, in rect: Rect) {
        operations.append(.image(width: image.width, height: image.height, rect: rect))
        check("image", [rect.x, rect.y, rect.width, rect.height])
    }
    public func pushClip(_ rect: Rect) { check("clip", [rect.x, rect.y, rect.width, rect.height]) }
    public func popClip() {}
    public func addDestination(_ name: String, at point: Point) {
        operations.append(.destination(name, point))
        check("destination", [point.x, point.y])
    }
    public func addLink(_ target: LinkTarget, rect: Rect) {
        operations.append(.link(target, rect))
        check("link", [rect.x, rect.y, rect.width, rect.height])
    }
    public func addOutlineEntry(title: String, level: Int, destination name: String) {
        operations.append(.outline(title, level: level, destination: name))
    }

    /// Records `what` when any of `numbers` is NaN or infinite.
    private func check(_ what: String, _ numbers: [Double]) {
        guard let bad = numbers.first(where: { !$0.isFinite }) else { return }
        nonFiniteGeometry.append("page \(pageCount): \(what) (\(bad))")
    }

    /// Every coordinate of `path`'s elements.
    private func coordinates(_ path: Path) -> [Double] {
        path.elements.flatMap { element -> [Double] in
            switch element {
            case .move(let p), .line(let p): return [p.x, p.y]
            case let .curve(a, b, c): return [a.x, a.y, b.x, b.y, c.x, c.y]
            case .close: return []
            }
        }
    }

    /// Width of one character of `style`, as `measure` counts it.
    public func charWidth(_ style: TextStyle) -> Double { style.size * (style.family == .mono ? 0.6 : 0.55) }

    /// Greedy word wrap; returns the character count of each line.
    private func wrap(_ text: StyledText, width: Double) -> [Int] {
        let perLine = max(1, Int(width / charWidth(text.style)))
        var lines: [Int] = []
        for paragraph in text.plainText.split(separator: "\n", omittingEmptySubsequences: false) {
            var current = 0
            for word in paragraph.split(separator: " ") {
                var n = word.count
                let needed = current == 0 ? n : current + 1 + n
                if needed <= perLine { current = needed; continue }
                if current > 0 { lines.append(current); current = 0 }
                while n > perLine { lines.append(perLine); n -= perLine }
                current = n
            }
            lines.append(current)
        }
        return lines
    }
}
