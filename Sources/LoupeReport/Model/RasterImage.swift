/// A bitmap in memory: 8-bit channels, rows top to bottom, no padding.
public struct RasterImage: Equatable, Sendable {
    /// Channel layout of `pixels`.
    public enum Format: Int, Sendable {
        /// One byte per pixel.
        case gray = 1
        /// Three bytes per pixel: red, green, blue.
        case rgb = 3
        /// Four bytes per pixel: red, green, blue, alpha (not premultiplied).
        case rgba = 4
    }

    public let width: Int
    public let height: Int
    public let format: Format
    /// `width * height * format.rawValue` bytes.
    public let pixels: [UInt8]

    /// Creates an image, checking that `pixels` has the right length.
    public init(width: Int, height: Int, format: Format, pixels: [UInt8]) throws {
        guard width > 0, height > 0 else { throw ReportError.invalidDocument("image size \(width)x\(height) is empty") }
        guard pixels.count == width * height * format.rawValue else {
            throw ReportError.invalidDocument(
                "image \(width)x\(height) \(format) needs \(width * height * format.rawValue) bytes, got \(pixels.count)")
        }
        self.width = width; self.height = height; self.format = format; self.pixels = pixels
    }

    /// The image as RGBA bytes, whatever its format.
    public func rgbaPixels() -> [UInt8] {
        var out = [UInt8](repeating: 255, count: width * height * 4)
        let n = format.rawValue
        for i in 0..<(width * height) {
            switch format {
            case .gray: out[4 * i] = pixels[i]; out[4 * i + 1] = pixels[i]; out[4 * i + 2] = pixels[i]
            case .rgb, .rgba:
                out[4 * i] = pixels[n * i]; out[4 * i + 1] = pixels[n * i + 1]; out[4 * i + 2] = pixels[n * i + 2]
                if format == .rgba { out[4 * i + 3] = pixels[n * i + 3] }
            }
        }
        return out
    }

    /// A 1×1 grey image, for when a generated image cannot be built.
    public static let placeholder = RasterImage(checkedWidth: 1, height: 1, format: .gray, pixels: [128])

    /// Creates an image whose sizes the caller already checked.
    init(checkedWidth width: Int, height: Int, format: Format, pixels: [UInt8]) {
        self.width = width; self.height = height; self.format = format; self.pixels = pixels
    }

    /// A copy enlarged by an integer `factor`: every pixel becomes a `factor`×`factor` block.
    public func upscaled(by factor: Int) -> RasterImage {
        guard factor > 1 else { return self }
        let n = format.rawValue, w = width * factor, h = height * factor
        var out = [UInt8](repeating: 0, count: w * h * n)
        for y in 0..<h {
            let sy = y / factor
            for x in 0..<w {
                let src = (sy * width + x / factor) * n, dst = (y * w + x) * n
                for c in 0..<n { out[dst + c] = pixels[src + c] }
            }
        }
        return RasterImage(checkedWidth: w, height: h, format: format, pixels: out)
    }
}

extension RasterImage {
    /// Renders a row-major grid of values as an RGB image through `colorMap` over `range`.
    ///
    /// Non-finite values are drawn in mid grey. When `range` is nil the grid's finite min...max is used.
    public static func heatmap(_ values: [Float], width: Int, height: Int, colorMap: ColorMap,
                               range: ClosedRange<Double>? = nil) throws -> RasterImage {
        guard values.count == width * height else {
            throw ReportError.invalidDocument("heatmap grid \(width)x\(height) needs \(width * height) values, got \(values.count)")
        }
        let r = range ?? RasterImage.finiteRange(values)
        let span = r.upperBound - r.lowerBound
        let lut = colorMap.lookupTable()
        var px = [UInt8](repeating: 128, count: width * height * 3)
        for (i, v) in values.enumerated() where v.isFinite {
            let t = span > 0 ? (Double(v) - r.lowerBound) / span : 0.5
            let (cr, cg, cb) = lut[Int((min(max(t, 0), 1) * 255).rounded())]
            px[3 * i] = cr; px[3 * i + 1] = cg; px[3 * i + 2] = cb
        }
        return try RasterImage(width: width, height: height, format: .rgb, pixels: px)
    }

    /// Blends `heatmap` over `base` with `alpha` (0 shows only the base); sizes must match.
    ///
    /// When `weightByValue` is true the blend is scaled per pixel by the heat's normalised magnitude
    /// (`weights`, 0...1), so cold areas keep the original image visible.
    public static func overlay(_ heatmap: RasterImage, on base: RasterImage, alpha: Double,
                               weights: [Float]? = nil) throws -> RasterImage {
        guard heatmap.width == base.width, heatmap.height == base.height else {
            throw ReportError.invalidDocument(
                "overlay size \(heatmap.width)x\(heatmap.height) differs from image \(base.width)x\(base.height)")
        }
        if let w = weights, w.count != base.width * base.height {
            throw ReportError.invalidDocument("overlay weights need \(base.width * base.height) values, got \(w.count)")
        }
        let top = heatmap.rgbaPixels(), bottom = base.rgbaPixels()
        var px = [UInt8](repeating: 0, count: base.width * base.height * 3)
        for i in 0..<(base.width * base.height) {
            let weight = weights.map { Double(min(max($0[i], 0), 1)) } ?? 1
            let a = min(max(alpha * weight, 0), 1)
            for c in 0..<3 {
                let v = Double(bottom[4 * i + c]) * (1 - a) + Double(top[4 * i + c]) * a
                px[3 * i + c] = UInt8(min(max(v.rounded(), 0), 255))
            }
        }
        return try RasterImage(width: base.width, height: base.height, format: .rgb, pixels: px)
    }

    /// The smallest and largest finite values, or 0...1 when there are none.
    public static func finiteRange(_ values: [Float]) -> ClosedRange<Double> {
        var lo = Float.infinity, hi = -Float.infinity
        for v in values where v.isFinite { lo = min(lo, v); hi = max(hi, v) }
        return lo <= hi ? Double(lo)...Double(hi) : 0...1
    }
}
