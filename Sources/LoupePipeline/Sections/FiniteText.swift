import Foundation

/// Numbers in prose and text cells: `String(format:)` for finite values, never "nan" or "inf".
///
/// A model with non-finite weights (or an empty set of scores) gives NaN means; printed with
/// `String(format:)` they read "nan", which looks like a typo and says nothing. These helpers print
/// `n/a` for NaN and `∞`/`−∞` for infinities instead.
enum FiniteText {
    /// `value` printed with `format` (one floating-point conversion such as `%.2f`), or `n/a`, `∞`, `−∞`.
    static func format(_ format: String, _ value: Double) -> String {
        if value.isNaN { return "n/a" }
        if value.isInfinite { return value > 0 ? "∞" : "−∞" }
        return String(format: format, value)
    }

    /// `0.123 ± 0.045` with `places` decimals, or `–` when the mean is not finite.
    static func meanAndDeviation(_ mean: Double, _ deviation: Double, places: Int) -> String {
        guard mean.isFinite else { return "–" }
        let spec = "%.\(places)f"
        return String(format: spec, mean) + " ± " + format(spec, deviation)
    }
}
