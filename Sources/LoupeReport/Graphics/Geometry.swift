/// A point in page space: points (1/72 inch), origin at the top-left corner, y grows down.
public struct Point: Equatable, Sendable {
    public var x: Double
    public var y: Double
    /// Creates a point.
    public init(_ x: Double, _ y: Double) { self.x = x; self.y = y }
}

/// A width and height in points.
public struct Size: Equatable, Sendable {
    public var width: Double
    public var height: Double
    /// Creates a size.
    public init(width: Double, height: Double) { self.width = width; self.height = height }
}

/// An axis-aligned rectangle in points, origin top-left.
public struct Rect: Equatable, Sendable {
    public var x: Double
    public var y: Double
    public var width: Double
    public var height: Double
    /// Creates a rectangle from its top-left corner and size.
    public init(x: Double, y: Double, width: Double, height: Double) {
        self.x = x; self.y = y; self.width = width; self.height = height
    }
    /// The right edge.
    public var maxX: Double { x + width }
    /// The bottom edge.
    public var maxY: Double { y + height }
    /// The rectangle shrunk by `dx` on the left and right and `dy` on top and bottom.
    public func insetBy(_ dx: Double, _ dy: Double) -> Rect {
        Rect(x: x + dx, y: y + dy, width: max(0, width - 2 * dx), height: max(0, height - 2 * dy))
    }
    /// The smallest rectangle containing both.
    public func union(_ other: Rect) -> Rect {
        let left = min(x, other.x), top = min(y, other.y)
        return Rect(x: left, y: top, width: max(maxX, other.maxX) - left, height: max(maxY, other.maxY) - top)
    }
}

/// A paper size with margins; all values in points.
public struct PageSize: Equatable, Sendable {
    /// The full sheet.
    public var size: Size
    /// Space kept free on each side of the body; header and footer live in the top and bottom margins.
    public var margin: Double

    /// Creates a page size.
    public init(size: Size, margin: Double = 56) { self.size = size; self.margin = margin }

    /// ISO A4, 210 × 297 mm.
    public static let a4 = PageSize(size: Size(width: 595.28, height: 841.89))
    /// US Letter, 8.5 × 11 in.
    public static let letter = PageSize(size: Size(width: 612, height: 792))

    /// Parses `a4` or `letter` (case-insensitive).
    public static func named(_ name: String) throws -> PageSize {
        switch name.lowercased() {
        case "a4": return .a4
        case "letter", "us-letter", "usletter": return .letter
        default: throw ReportError.invalidDocument("unknown page size '\(name)' (expected a4 or letter)")
        }
    }

    /// The area blocks are laid out in.
    public var body: Rect {
        Rect(x: margin, y: margin + 14, width: size.width - 2 * margin, height: size.height - 2 * margin - 28)
    }
}
