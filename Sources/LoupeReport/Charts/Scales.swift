import Foundation

/// Maps a data interval linearly onto a pixel interval (which may be reversed, e.g. y down).
public struct LinearScale {
    public var domain: ClosedRange<Double>
    public var lower: Double
    public var upper: Double

    /// Creates a scale from `domain` onto `range` (`range.lowerBound` receives `domain.lowerBound`).
    public init(domain: ClosedRange<Double>, range: ClosedRange<Double>) {
        self.domain = domain; lower = range.lowerBound; upper = range.upperBound
    }
    /// Creates a scale onto an interval given by its two ends in any order.
    public init(domain: ClosedRange<Double>, from a: Double, to b: Double) { self.domain = domain; lower = a; upper = b }

    /// The position of `v`.
    public func map(_ v: Double) -> Double {
        let span = domain.upperBound - domain.lowerBound
        let t = span > 0 ? (v - domain.lowerBound) / span : 0.5
        return lower + t * (upper - lower)
    }
}

/// Axis ticks at "nice" values (1, 2, 2.5, 5 × 10ⁿ) with labels of consistent precision.
public struct NiceTicks: Equatable {
    public var values: [Double]
    /// Decimals each label shows (ignored when `scientific`).
    public var decimals: Int
    /// Whether labels use scientific notation.
    public var scientific: Bool
    /// Whether the ticks are decades of a log axis (labels `10ⁿ`).
    public var logarithmic: Bool

    /// The nice step for roughly `span / count` per tick.
    public static func niceStep(_ span: Double, count: Int) -> Double {
        guard span > 0, span.isFinite else { return 1 }
        let raw = span / Double(max(1, count))
        let magnitude = pow(10, floor(log10(raw)))
        let mantissa = raw / magnitude
        let nice: Double = mantissa <= 1 ? 1 : mantissa <= 2 ? 2 : mantissa <= 2.5 ? 2.5 : mantissa <= 5 ? 5 : 10
        return nice * magnitude
    }

    /// Ticks inside `range`, at most about `maxCount` of them; with `integers`, whole numbers only.
    public static func linear(_ range: ClosedRange<Double>, maxCount: Int, integers: Bool = false) -> NiceTicks {
        var lo = range.lowerBound, hi = range.upperBound
        if !(lo.isFinite && hi.isFinite) { lo = 0; hi = 1 }
        if hi - lo <= 0 { lo -= 0.5; hi += 0.5 }
        let step = integers ? max(1, niceStep(hi - lo, count: maxCount).rounded(.up)) : niceStep(hi - lo, count: maxCount)
        var values: [Double] = []
        var k = (lo / step).rounded(.up)
        while k * step <= hi + step * 1e-9, values.count < 100 {
            let v = k * step
            values.append(abs(v) < step * 1e-9 ? 0 : v)
            k += 1
        }
        let biggest = max(abs(lo), abs(hi))
        let scientific = biggest >= 1e6 || (biggest < 1e-3 && biggest > 0)
        var decimals = max(0, Int(-floor(log10(step))))
        if step / pow(10, floor(log10(step))) == 2.5 { decimals += 1 }
        return NiceTicks(values: values, decimals: min(decimals, 8), scientific: scientific, logarithmic: false)
    }

    /// `range` widened outwards to whole steps, so the axis starts and ends on a tick.
    public static func niceDomain(_ range: ClosedRange<Double>, maxCount: Int) -> ClosedRange<Double> {
        var lo = range.lowerBound, hi = range.upperBound
        if !(lo.isFinite && hi.isFinite) { return 0...1 }
        if hi - lo <= 0 { lo -= max(abs(lo) * 0.1, 0.5); hi += max(abs(hi) * 0.1, 0.5) }
        let step = niceStep(hi - lo, count: maxCount)
        return (floor(lo / step + 1e-9) * step)...(ceil(hi / step - 1e-9) * step)
    }

    /// Decade ticks of a log axis over the positive `range` (exponents, not values, are stored).
    public static func decades(_ range: ClosedRange<Double>) -> NiceTicks {
        let lo = floor(log10(max(range.lowerBound, 1e-300))), hi = ceil(log10(max(range.upperBound, 1e-300)))
        let count = Int(max(0, min(hi - lo, 60)))
        let stride = max(1, (count + 7) / 8)
        let exps = Swift.stride(from: lo, through: lo + Double(count), by: Double(stride)).map { $0 }
        return NiceTicks(values: exps, decimals: 0, scientific: false, logarithmic: true)
    }

    /// The label of tick `v`.
    public func label(_ v: Double) -> String {
        if logarithmic { return NiceTicks.powerOfTen(Int(v)) }
        if v == 0 { return "0" }
        if scientific { return String(format: "%.1e", v) }
        let s = String(format: "%.\(decimals)f", v)
        return v < 0 ? "−" + s.dropFirst() : s
    }

    /// `10` with a Unicode superscript exponent, e.g. `10⁻³`.
    static func powerOfTen(_ n: Int) -> String {
        if n == 0 { return "1" }
        if n == 1 { return "10" }
        let sup: [Character: Character] = ["0": "⁰", "1": "¹", "2": "²", "3": "³", "4": "⁴", "5": "⁵", "6": "⁶",
                                           "7": "⁷", "8": "⁸", "9": "⁹", "-": "⁻"]
        return "10" + String(String(n).map { sup[$0] ?? $0 })
    }
}
