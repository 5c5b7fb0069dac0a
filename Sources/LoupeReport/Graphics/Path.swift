/// A vector path in page points, built from moves, lines, curves and closes.
public struct Path: Sendable {
    /// One drawing instruction.
    public enum Element: Sendable, Equatable {
        case move(Point)
        case line(Point)
        case curve(Point, Point, Point)
        case close
    }

    public private(set) var elements: [Element] = []

    /// Creates an empty path.
    public init() {}

    /// Starts a new subpath at `p`.
    public mutating func move(to p: Point) { elements.append(.move(p)) }
    /// Adds a straight line to `p`.
    public mutating func line(to p: Point) { elements.append(.line(p)) }
    /// Adds a cubic Bézier curve.
    public mutating func curve(to p: Point, control1: Point, control2: Point) { elements.append(.curve(control1, control2, p)) }
    /// Closes the current subpath.
    public mutating func close() { elements.append(.close) }

    /// Adds a closed rectangle.
    public mutating func addRect(_ r: Rect) {
        move(to: Point(r.x, r.y)); line(to: Point(r.maxX, r.y)); line(to: Point(r.maxX, r.maxY))
        line(to: Point(r.x, r.maxY)); close()
    }

    /// Adds a circle as four Bézier arcs.
    public mutating func addCircle(center c: Point, radius r: Double) {
        let k = 0.5522847498 * r
        move(to: Point(c.x + r, c.y))
        curve(to: Point(c.x, c.y + r), control1: Point(c.x + r, c.y + k), control2: Point(c.x + k, c.y + r))
        curve(to: Point(c.x - r, c.y), control1: Point(c.x - k, c.y + r), control2: Point(c.x - r, c.y + k))
        curve(to: Point(c.x, c.y - r), control1: Point(c.x - r, c.y - k), control2: Point(c.x - k, c.y - r))
        curve(to: Point(c.x + r, c.y), control1: Point(c.x + k, c.y - r), control2: Point(c.x + r, c.y - k))
        close()
    }

    /// Adds an open polyline through `points`.
    public mutating func addPolyline(_ points: [Point]) {
        guard let first = points.first else { return }
        move(to: first)
        for p in points.dropFirst() { line(to: p) }
    }

    /// A rectangle path.
    public static func rect(_ r: Rect) -> Path { var p = Path(); p.addRect(r); return p }
    /// A single line segment.
    public static func segment(_ a: Point, _ b: Point) -> Path { var p = Path(); p.move(to: a); p.line(to: b); return p }
}
