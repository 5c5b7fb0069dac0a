/// Marker shapes that tell classes and series apart without relying on colour.
public enum MarkerShape: CaseIterable, Sendable {
    case circle, square, triangleUp, diamond, triangleDown

    /// The shape of class or series `index`; cycles after five.
    public static func forIndex(_ index: Int) -> MarkerShape {
        allCases[((index % allCases.count) + allCases.count) % allCases.count]
    }

    /// Adds the shape centred at `c` to `path`; `radius` is that of a circle of about the same area.
    public func add(to path: inout Path, at c: Point, radius r: Double) {
        switch self {
        case .circle: path.addCircle(center: c, radius: r)
        case .square:
            let h = r * 0.89
            path.addRect(Rect(x: c.x - h, y: c.y - h, width: 2 * h, height: 2 * h))
        case .diamond:
            let h = r * 1.25
            path.move(to: Point(c.x, c.y - h)); path.line(to: Point(c.x + h, c.y)); path.line(to: Point(c.x, c.y + h))
            path.line(to: Point(c.x - h, c.y)); path.close()
        case .triangleUp, .triangleDown:
            let h = r * 1.35, s: Double = self == .triangleUp ? 1 : -1
            path.move(to: Point(c.x, c.y - s * h)); path.line(to: Point(c.x + h * 0.87, c.y + s * h * 0.5))
            path.line(to: Point(c.x - h * 0.87, c.y + s * h * 0.5)); path.close()
        }
    }
}

/// A small seeded generator (SplitMix64): chart drawing orders (the same chart always draws the same way)
/// and the sample report's synthetic data.
public struct SplitMix64: Sendable {
    private var state: UInt64

    /// Creates a generator from a seed.
    public init(seed: UInt64) { state = seed }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// `0..<count` in a seeded random order (Fisher–Yates).
    mutating func permutation(_ count: Int) -> [Int] {
        var order = Array(0..<count)
        guard count > 1 else { return order }
        for i in stride(from: count - 1, to: 0, by: -1) {
            let j = Int(next() % UInt64(i + 1))
            order.swapAt(i, j)
        }
        return order
    }
}
