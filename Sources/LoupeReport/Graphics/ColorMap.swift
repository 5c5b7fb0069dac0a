/// A continuous colour map from a value in 0...1 to a colour.
public enum ColorMap: String, CaseIterable, Sendable {
    /// Perceptually uniform, dark blue to yellow.
    case viridis
    /// Perceptually uniform, black through purple to pale yellow.
    case magma
    /// Black to white.
    case gray
    /// Diverging blue–white–red for signed maps; 0.5 is white.
    case diverging

    /// The colour at `t` (clamped to 0...1).
    public func color(at t: Double) -> Color {
        let stops = ColorMap.stops[self] ?? [0x000000, 0xFFFFFF]
        let clamped = t.isFinite ? min(max(t, 0), 1) : 0
        let position = clamped * Double(stops.count - 1)
        let low = min(Int(position), stops.count - 2)
        let frac = position - Double(low)
        return Color(hex: stops[low]).mixed(with: Color(hex: stops[low + 1]), frac)
    }

    /// The colour of `value` within `range` (a range of zero width maps to the middle).
    public func color(for value: Double, in range: ClosedRange<Double>) -> Color {
        let span = range.upperBound - range.lowerBound
        return color(at: span > 0 ? (value - range.lowerBound) / span : 0.5)
    }

    /// 8-bit RGB of `t`, for filling images fast.
    public func rgb(at t: Double) -> (UInt8, UInt8, UInt8) {
        let c = color(at: t)
        return (UInt8((c.red * 255).rounded()), UInt8((c.green * 255).rounded()), UInt8((c.blue * 255).rounded()))
    }

    /// A 256-entry lookup table of 8-bit RGB triples.
    public func lookupTable() -> [(UInt8, UInt8, UInt8)] { (0..<256).map { rgb(at: Double($0) / 255) } }

    /// Evenly spaced samples of the published maps; interpolated linearly in between.
    private static let stops: [ColorMap: [UInt32]] = [
        .viridis: [0x440154, 0x482878, 0x3E4989, 0x31688E, 0x26828E, 0x1F9E89, 0x35B779, 0x6ECE58, 0xB5DE2B, 0xFDE725],
        .magma: [0x000004, 0x180F3D, 0x440F76, 0x721F81, 0x9E2F7F, 0xCD4071, 0xF1605D, 0xFD9668, 0xFECA8D, 0xFCFDBF],
        .gray: [0x000000, 0xFFFFFF],
        .diverging: [0x2166AC, 0x4393C3, 0x92C5DE, 0xD1E5F0, 0xF7F7F7, 0xFDDBC7, 0xF4A582, 0xD6604D, 0xB2182B],
    ]
}
