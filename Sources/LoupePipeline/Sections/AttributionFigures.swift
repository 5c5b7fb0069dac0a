import LoupeAnalysis
import LoupeReport
import LoupeTensor

/// Turns input tensors and attribution maps into report images (display only; numbers stay raw).
enum AttributionFigures {
    /// Target width in pixels of a gallery image after integer upscaling (small inputs stay sharp).
    static let displayWidth = 112
    /// Opacity of a Grad-CAM heatmap where the map is 1; it fades to 0 with the map value.
    static let overlayAlpha = 0.7

    /// Image `index` of an N x C x H x W tensor as RGB, undoing the job's mean/std and value range.
    ///
    /// When the result would be mostly outside [0, 1] (preprocessing unknown to the job) the image
    /// is min–max scaled instead, so it is always visible.
    static func inputImage(_ images: Tensor, index: Int, preprocessing: PreprocessingConfig) throws -> RasterImage {
        let (c, h, w) = (images.shape[1], images.shape[2], images.shape[3])
        let plane = h * w, base = index * c * plane
        let low = preprocessing.valueRange.first ?? 0, high = preprocessing.valueRange.last ?? 1
        let span = high > low ? high - low : 1
        var unit = [Double](repeating: 0, count: c * plane)
        var outside = 0
        for channel in 0..<c {
            let mean = value(preprocessing.mean, channel, fallback: 0), std = value(preprocessing.std, channel, fallback: 1)
            for p in 0..<plane {
                let v = (Double(images.scalars[base + channel * plane + p]) * std + mean - low) / span
                if v < -0.05 || v > 1.05 { outside += 1 }
                unit[channel * plane + p] = v
            }
        }
        if outside * 4 > unit.count {
            let lo = unit.min() ?? 0, hi = unit.max() ?? 1
            unit = unit.map { hi > lo ? ($0 - lo) / (hi - lo) : 0.5 }
        }
        var pixels = [UInt8](repeating: 0, count: plane * 3)
        let bgr = preprocessing.channelOrder == "bgr" && c == 3
        for p in 0..<plane {
            for out in 0..<3 {
                let channel = c == 1 ? 0 : min(c - 1, bgr ? 2 - out : out)
                let v = unit[channel * plane + p]
                pixels[p * 3 + out] = UInt8(min(max((v.isFinite ? v : 0) * 255, 0), 255).rounded())
            }
        }
        return try RasterImage(width: w, height: h, format: .rgb, pixels: pixels).upscaled(by: scale(w))
    }

    /// A map in [0, 1] (H x W values) through `colorMap`, upscaled like the input.
    static func mapImage(_ values: [Float], width: Int, height: Int, colorMap: ColorMap = .magma) throws -> RasterImage {
        try RasterImage.heatmap(values, width: width, height: height, colorMap: colorMap, range: 0...1).upscaled(by: scale(width))
    }

    /// A CAM in [0, 1] over the (already upscaled) input: colour fades in with the map value, so cold areas show the image.
    static func camOverlay(_ cam: [Float], width: Int, height: Int, on input: RasterImage) throws -> RasterImage {
        let factor = scale(width)
        let heat = try RasterImage.heatmap(cam, width: width, height: height, colorMap: .magma, range: 0...1).upscaled(by: factor)
        let weights = upscaledValues(cam, width: width, height: height, factor: factor)
        return try RasterImage.overlay(heat, on: input, alpha: overlayAlpha, weights: weights)
    }

    /// Plane `index` of an N x 1 x H x W map as a flat array.
    static func plane(_ maps: Tensor, _ index: Int) -> [Float] {
        let size = maps.shape[2] * maps.shape[3]
        return Array(maps.scalars[(index * size)..<((index + 1) * size)])
    }

    /// The integer factor that brings `width` close to `displayWidth`.
    static func scale(_ width: Int) -> Int { max(1, displayWidth / max(1, width)) }

    /// Nearest-neighbour enlargement of a value grid, matching `RasterImage.upscaled`.
    static func upscaledValues(_ values: [Float], width: Int, height: Int, factor: Int) -> [Float] {
        guard factor > 1 else { return values }
        let w = width * factor
        return (0..<(height * factor * w)).map { i in values[(i / w / factor) * width + (i % w) / factor] }
    }

    /// Per-channel value of a mean/std list (one value applies to all channels).
    static func value(_ list: [Double]?, _ channel: Int, fallback: Double) -> Double {
        guard let list, !list.isEmpty else { return fallback }
        return list.count == 1 ? list[0] : list[min(channel, list.count - 1)]
    }
}
