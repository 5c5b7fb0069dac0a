import Foundation

/// The labelled values of a colour bar: nice ticks, plus both ends of the range whenever no tick sits there.
///
/// A bar whose nice ticks fall only in its middle (a short bar over −0.37…0.37 gets the single tick 0)
/// would otherwise not say what its colours span; the ends are always labelled, and interior ticks that
/// would overlap an end label are dropped.
public enum ColorBarLabels {
    /// Values and their labels for a bar over `range`, `height` points tall, with labels `lineHeight` tall.
    public static func labels(_ range: ClosedRange<Double>, height: Double, lineHeight: Double) -> [(value: Double, text: String)] {
        let ticks = NiceTicks.linear(range, maxCount: max(2, min(8, Int(height / 50))))
        let span = range.upperBound - range.lowerBound
        guard span > 0, span.isFinite, height > 0 else { return ticks.values.map { ($0, ticks.label($0)) } }
        let pointsPerUnit = height / span
        let near = { (a: Double, b: Double) in abs(a - b) * pointsPerUnit < lineHeight * 1.1 }
        var labels = ticks.values.map { (value: $0, text: ticks.label($0)) }
        for end in [range.lowerBound, range.upperBound] where !labels.contains(where: { abs($0.value - end) * pointsPerUnit < 0.5 }) {
            labels.removeAll { near($0.value, end) }
            labels.append((end, endLabel(end, ticks: ticks)))
        }
        return labels.sorted { $0.value < $1.value }
    }

    /// An end value with enough digits to differ from its neighbours (three significant digits).
    static func endLabel(_ value: Double, ticks: NiceTicks) -> String {
        if value == 0 { return "0" }
        if ticks.scientific { return String(format: "%.1e", value) }
        // Whole-number ticks (counts) get a whole-number end: "13", not "13.0".
        if ticks.decimals == 0 && value == value.rounded() { return (value < 0 ? "−" : "") + String(format: "%.0f", abs(value)) }
        let digits = max(ticks.decimals, min(8, max(0, 2 - Int(floor(log10(abs(value)))))))
        let text = String(format: "%.\(digits)f", abs(value))
        return (value < 0 ? "−" : "") + text
    }
}
