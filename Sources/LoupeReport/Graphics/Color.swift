/// An RGBA colour with components in 0...1.
public struct Color: Equatable, Hashable, Sendable {
    public var red: Double
    public var green: Double
    public var blue: Double
    public var alpha: Double

    /// Creates a colour from components in 0...1.
    public init(red: Double, green: Double, blue: Double, alpha: Double = 1) {
        self.red = red; self.green = green; self.blue = blue; self.alpha = alpha
    }

    /// Creates an opaque colour from `0xRRGGBB`.
    public init(hex: UInt32, alpha: Double = 1) {
        self.init(red: Double((hex >> 16) & 0xFF) / 255, green: Double((hex >> 8) & 0xFF) / 255,
                  blue: Double(hex & 0xFF) / 255, alpha: alpha)
    }

    /// The same colour with another alpha.
    public func withAlpha(_ a: Double) -> Color { Color(red: red, green: green, blue: blue, alpha: a) }

    /// Linear blend towards `other` by `t` in 0...1.
    public func mixed(with other: Color, _ t: Double) -> Color {
        Color(red: red + (other.red - red) * t, green: green + (other.green - green) * t,
              blue: blue + (other.blue - blue) * t, alpha: alpha + (other.alpha - alpha) * t)
    }

    /// Perceived brightness in 0...1, used to pick black or white text on a filled cell.
    public var luminance: Double { 0.2126 * red + 0.7152 * green + 0.0722 * blue }

    /// `#rrggbb`, as Pango markup expects.
    public var hexString: String {
        func byte(_ v: Double) -> Int { Int((min(max(v, 0), 1) * 255).rounded()) }
        let digits = Array("0123456789abcdef")
        var s = "#"
        for v in [byte(red), byte(green), byte(blue)] { s.append(digits[v / 16]); s.append(digits[v % 16]) }
        return s
    }

    public static let black = Color(hex: 0x000000)
    public static let white = Color(hex: 0xFFFFFF)
    /// Body text.
    public static let text = Color(hex: 0x222222)
    /// Secondary text (captions, header, footer).
    public static let muted = Color(hex: 0x666666)
    /// Rules and axis lines.
    public static let rule = Color(hex: 0xBBBBBB)
    /// Grid lines inside charts.
    public static let grid = Color(hex: 0xE4E4E4)
    /// Links and headings accent.
    public static let accent = Color(hex: 0x1F4E8C)
}

/// Colour-blind-safe categorical colours for classes: Paul Tol's nine "muted" colours and black.
///
/// Any two of the ten differ by at least 11 ΔE00 for normal vision and under simulated protanopia,
/// deuteranopia and tritanopia (Machado et al. 2009); Tol's own tenth colour (grey) came within 1.4 ΔE00 of
/// rose for protanopes. Scatter plots add a marker shape per class as well (`MarkerShape`).
public enum CategoricalPalette {
    /// The ten colours, in the order classes receive them.
    public static let colors: [Color] = [
        0x332288, 0x88CCEE, 0x44AA99, 0x117733, 0x999933, 0xDDCC77, 0xCC6677, 0x882255, 0xAA4499, 0x000000,
    ].map { Color(hex: $0) }
    /// The smallest ΔE00 between two palette colours, for every kind of vision checked.
    public static let minimumDifference = 11.0

    /// The colour of class `index`; cycles after ten classes.
    public static func color(_ index: Int) -> Color {
        colors[((index % colors.count) + colors.count) % colors.count]
    }
}
