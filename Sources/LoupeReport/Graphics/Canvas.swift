/// The size of laid-out text.
public struct TextMetrics: Equatable, Sendable {
    /// Width of the widest line.
    public var width: Double
    /// Height of each line, top to bottom.
    public var lineHeights: [Double]
    /// UTF-8 offset in `plainText` where each line starts (empty when the measurer does not know).
    public var lineStarts: [Int]
    /// Creates metrics.
    public init(width: Double, lineHeights: [Double], lineStarts: [Int] = []) {
        self.width = width; self.lineHeights = lineHeights; self.lineStarts = lineStarts
    }
    /// Total height of all lines.
    public var height: Double { lineHeights.reduce(0, +) }
}

/// Measures text the way the canvas will draw it.
public protocol TextMeasurer: AnyObject {
    /// Wraps `text` to `width` and returns the lines' sizes; `maxLines` > 0 cuts with an ellipsis.
    func measure(_ text: StyledText, width: Double, maxLines: Int) -> TextMetrics
}

/// The drawing surface the layout engine talks to; points, origin top-left.
///
/// `LoupeReportCairo` implements it with Cairo and Pango; `RecordingCanvas` (in `Tests/LoupeReportTestSupport`) records calls for tests.
public protocol Canvas: TextMeasurer {
    /// Starts a new page of `size`.
    func beginPage(size: Size) throws
    /// Finishes the current page.
    func endPage() throws
    /// Draws `text` wrapped to `width` with its top-left corner at `origin`, rotated by `angle` degrees
    /// (counter-clockwise) about `origin`; `maxLines` > 0 cuts with an ellipsis. Link runs become PDF links.
    func drawText(_ text: StyledText, at origin: Point, width: Double, maxLines: Int, angle: Double)
    /// Fills `path` with `color`.
    func fill(_ path: Path, color: Color)
    /// Draws round dots of `radius` at `centers` (scatter plots: much smaller output than circle paths).
    func fillDots(_ centers: [Point], radius: Double, color: Color)
    /// Strokes `path`; `dash` lists on/off lengths (empty for solid).
    func stroke(_ path: Path, color: Color, lineWidth: Double, dash: [Double])
    /// Draws `image` stretched to `rect` without smoothing (pixels stay crisp squares).
    func drawImage(_ image: RasterImage, in rect: Rect)
    /// Restricts drawing to `rect` until the matching `popClip`.
    func pushClip(_ rect: Rect)
    /// Removes the clip of the last `pushClip`.
    func popClip()
    /// Defines the named link destination `name` at `point` on the current page.
    func addDestination(_ name: String, at point: Point)
    /// Makes `rect` on the current page a link to `target`.
    func addLink(_ target: LinkTarget, rect: Rect)
    /// Adds a PDF bookmark of `level` (1 = top) pointing at destination `name`.
    func addOutlineEntry(title: String, level: Int, destination name: String)
}

extension Canvas {
    /// Draws unrotated text.
    public func drawText(_ text: StyledText, at origin: Point, width: Double, maxLines: Int = 0) {
        drawText(text, at: origin, width: width, maxLines: maxLines, angle: 0)
    }
    /// Draws one line of plain text, cut with an ellipsis if longer than `width`.
    public func drawLabel(_ s: String, style: TextStyle, at origin: Point, width: Double, angle: Double = 0) {
        drawText(StyledText(s, style: style), at: origin, width: width, maxLines: 1, angle: angle)
    }
}

extension TextMeasurer {
    /// Height of one line of `style`.
    public func lineHeight(_ style: TextStyle) -> Double {
        measure(StyledText("Hg", style: style), width: 1000, maxLines: 1).height
    }
}
