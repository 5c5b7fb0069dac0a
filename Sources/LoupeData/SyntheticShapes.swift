import LoupeTensor

/// `synthetic-shapes`: seeded 32x32 RGB images of 10 shape classes, each made from (seed, index) alone.
///
/// Sample `i` has label `i % 10` (classes are balanced) and its own generator seeded from
/// `seed` and `i`, which draws the colours (foreground/background luma differ by at least
/// 0.35), size, position, period and phase, plus ±0.04 uniform noise. Rendering uses only
/// integer and IEEE arithmetic (no trig), so any subset is reproducible and streaming is free.
public struct SyntheticShapesDataset: Dataset {
    /// Class names in label order.
    public static let shapeNames = ["circle", "square", "triangle", "horizontal stripes", "vertical stripes",
                                    "diagonal stripes", "ring", "checkerboard", "cross", "dot grid"]
    /// Side of the generated images.
    public static let side = 32

    public let count: Int
    public let seed: UInt64
    public let preprocessing: Preprocessing
    public let sampleShape: [Int]
    public var name: String { "synthetic-shapes" }
    public var classNames: [String] { Self.shapeNames }
    public var labels: [Int] { (0..<count).map { $0 % 10 } }
    public var fingerprint: String {
        var hasher = FingerprintHasher()
        hasher.combine("synthetic-shapes:v1")
        hasher.combine(String(describing: preprocessing))
        hasher.combine(count)
        hasher.combine(Int(bitPattern: UInt(seed)))
        return hasher.hexDigest
    }

    /// A set of `count` images from `seed`.
    public init(count: Int, seed: UInt64, preprocessing: Preprocessing = Preprocessing(channels: 3)) throws {
        try preprocessing.validate()
        guard count > 0 else { throw LoupeError(.invalidConfig, location: "dataset.count", "must be > 0, got \(count)") }
        self.count = count
        self.seed = seed
        self.preprocessing = preprocessing
        let size = preprocessing.outputSize(height: Self.side, width: Self.side)
        sampleShape = [preprocessing.channels, size.height, size.width]
    }

    public func batch(_ indices: [Int]) throws -> (images: Tensor, labels: [Int]) {
        try checkIndices(indices)
        let seed = seed
        let images = try assembleBatch(indices, sampleShape: sampleShape, preprocessing: preprocessing,
                                       sampleName: { "synthetic-shapes image \($0)" }) { index in
            Self.render(seed: seed, index: index)
        }
        return (images, indices.map { $0 % 10 })
    }

    /// Renders sample `index` of the set made from `seed` (label `index % 10`).
    public static func render(seed: UInt64, index: Int) -> PixelImage {
        var g = SeededGenerator(seed: seed ^ (UInt64(truncatingIfNeeded: index) &* 0x9E37_79B9_7F4A_7C15) ^ 0x5348_4150_4553)
        let label = index % 10
        func uniform(_ low: Float, _ high: Float) -> Float { low + (high - low) * Float(g.uniform()) }
        func integer(_ low: Int, _ high: Int) -> Int { low + Int(g.next() % UInt64(high - low + 1)) }
        func luma(_ c: [Float]) -> Float { 0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2] }
        let background = (0..<3).map { _ in uniform(0, 1) }
        var foreground = (0..<3).map { _ in uniform(0, 1) }
        var attempts = 0
        while abs(luma(foreground) - luma(background)) < 0.35 && attempts < 16 {
            foreground = (0..<3).map { _ in uniform(0, 1) }
            attempts += 1
        }
        if abs(luma(foreground) - luma(background)) < 0.35 {
            foreground = luma(background) > 0.5 ? [0.05, 0.05, 0.05] : [0.95, 0.95, 0.95]
        }
        let n = side
        let cx = uniform(11, 21), cy = uniform(11, 21)
        let radius = uniform(6, 10)
        let period = integer(4, 8)
        let phase = integer(0, period - 1)
        let thickness = uniform(2, 4)
        // Pattern classes depend on the integer pixel position only; shapes get 4x4 supersampling.
        // `mx`, `my` are the pixel's position within the pattern period (phase applied).
        func inside(_ x: Float, _ y: Float, _ mx: Int, _ my: Int, _ fx: Float, _ fy: Float) -> Bool {
            let dx = x - cx, dy = y - cy
            switch label {
            case 0: return dx * dx + dy * dy <= radius * radius
            case 1: return abs(dx) <= radius * 0.85 && abs(dy) <= radius * 0.85
            case 2:
                // Upright isosceles triangle: apex at top, base at bottom.
                let top = cy - radius, bottom = cy + radius * 0.8
                guard y >= top && y <= bottom else { return false }
                return abs(dx) <= radius * (y - top) / (bottom - top)
            case 6:
                let d2 = dx * dx + dy * dy, inner = max(1, radius - thickness)
                return d2 <= radius * radius && d2 >= inner * inner
            case 8: return (abs(dx) <= thickness * 0.6 && abs(dy) <= radius) || (abs(dy) <= thickness * 0.6 && abs(dx) <= radius)
            default:
                // Dot grid: a dot of radius period/4 + 0.5 at the centre of every period x period cell.
                let px = Float(mx) + fx - Float(period) / 2, py = Float(my) + fy - Float(period) / 2
                let r = Float(period) / 4 + 0.5
                return px * px + py * py <= r * r
            }
        }
        var values = [Float](repeating: 0, count: n * n * 3)
        for y in 0..<n {
            let my = (y + phase) % period
            for x in 0..<n {
                let mx = (x + phase) % period
                var a: Float
                switch label {
                case 3: a = my < period / 2 ? 1 : 0
                case 4: a = mx < period / 2 ? 1 : 0
                case 5: a = (x + y + phase) % period < period / 2 ? 1 : 0
                case 7: a = ((x + phase) / period + (y + phase) / period) % 2 == 0 ? 1 : 0
                default:
                    var covered = 0
                    for sy in 0..<4 {
                        let fy = (Float(sy) + 0.5) / 4
                        for sx in 0..<4 {
                            let fx = (Float(sx) + 0.5) / 4
                            if inside(Float(x) + fx, Float(y) + fy, mx, my, fx, fy) { covered += 1 }
                        }
                    }
                    a = Float(covered) / 16
                }
                for c in 0..<3 {
                    let noise = (uniform(0, 1) + uniform(0, 1) - 1) * 0.04
                    values[(y * n + x) * 3 + c] = min(1, max(0, a * foreground[c] + (1 - a) * background[c] + noise))
                }
            }
        }
        return PixelImage(width: n, height: n, channels: 3, values: values)
    }
}
