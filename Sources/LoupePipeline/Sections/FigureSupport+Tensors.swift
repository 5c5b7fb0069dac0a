import Foundation
import LoupeAnalysis
import LoupeData
import LoupeReport
import LoupeTensor

/// Tensor-to-picture helpers of the weights and activations pages (tiles, mosaics, input display).
enum TensorFigures {
    /// Tiles of equal size laid out in a grid with `gap` pixels of `background` between them (RGB).
    static func mosaic(_ tiles: [RasterImage], columns: Int, gap: Int = 1, background: UInt8 = 255) throws -> RasterImage {
        guard let first = tiles.first else { throw LoupeError(.invalidInput, "mosaic of no tiles") }
        let cols = max(1, min(columns, tiles.count)), rows = (tiles.count + cols - 1) / cols
        let tw = first.width, th = first.height
        let width = cols * tw + (cols - 1) * gap, height = rows * th + (rows - 1) * gap
        var px = [UInt8](repeating: background, count: width * height * 3)
        for (i, tile) in tiles.enumerated() {
            let rgba = tile.rgbaPixels()
            let x0 = (i % cols) * (tw + gap), y0 = (i / cols) * (th + gap)
            for y in 0..<min(th, tile.height) {
                for x in 0..<min(tw, tile.width) {
                    let s = 4 * (y * tile.width + x), d = 3 * ((y0 + y) * width + x0 + x)
                    px[d] = rgba[s]; px[d + 1] = rgba[s + 1]; px[d + 2] = rgba[s + 2]
                }
            }
        }
        return try RasterImage(width: width, height: height, format: .rgb, pixels: px)
    }

    /// A gray image from bytes.
    static func gray(_ bytes: [UInt8], width: Int, height: Int) throws -> RasterImage {
        try RasterImage(width: width, height: height, format: .gray, pixels: bytes)
    }

    /// An RGB image from three planar byte channels (`[3 * H * W]`, channel-major).
    static func rgbFromPlanes(_ planes: [UInt8], width: Int, height: Int) throws -> RasterImage {
        let plane = width * height
        var px = [UInt8](repeating: 0, count: plane * 3)
        for p in 0..<plane { for c in 0..<3 { px[3 * p + c] = planes[c * plane + p] } }
        return try RasterImage(width: width, height: height, format: .rgb, pixels: px)
    }

    /// The smallest integer factor that makes `size` at least `target` pixels (1 when already larger).
    static func factor(_ size: Int, toReach target: Int) -> Int { max(1, (target + max(size, 1) - 1) / max(size, 1)) }

    /// The job's preprocessing as the data layer's type, when its value range is [0, 1] or [0, 255].
    static func preprocessing(_ job: JobConfig, channels: Int) -> Preprocessing? {
        let p = job.preprocessing
        let range: Preprocessing.ValueRange
        if p.valueRange == [0, 1] { range = .unit } else if p.valueRange == [0, 255] { range = .byte } else { return nil }
        return Preprocessing(channels: channels, channelOrder: p.channelOrder == "bgr" ? .bgr : .rgb, valueRange: range,
                             mean: (p.mean ?? [0]).map { Float($0) }, std: (p.std ?? [1]).map { Float($0) })
    }

    /// A model input `[C, H, W]` as a picture: the job's preprocessing undone, else min–max over the whole tensor.
    static func inputImage(_ sample: Tensor, job: JobConfig) throws -> RasterImage {
        let shape = sample.rank == 4 ? Array(sample.shape.dropFirst()) : sample.shape
        guard shape.count == 3 else { throw LoupeError(.invalidInput, "cannot display an input of shape \(sample.shape)") }
        let (c, h, w) = (shape[0], shape[1], shape[2])
        if c == 1 || c == 3, let prep = preprocessing(job, channels: c), let decoded = try? prep.displayRGB8(sample) {
            return try RasterImage(width: decoded.width, height: decoded.height, format: .rgb, pixels: decoded.bytes)
        }
        let bytes = FilterScaling.bytesScaledOnTheirOwn(sample.scalars)
        if c == 3 { return try rgbFromPlanes(bytes, width: w, height: h) }
        return try gray(Array(bytes.prefix(h * w)), width: w, height: h)
    }

    /// Copies `image` with a one-pixel outline of `box` (clipped to the image) in red.
    static func outlined(_ image: RasterImage, box: PixelBox, thickness: Int = 1) throws -> RasterImage {
        let rgba = image.rgbaPixels()
        var px = [UInt8](repeating: 0, count: image.width * image.height * 3)
        for i in 0..<(image.width * image.height) { px[3 * i] = rgba[4 * i]; px[3 * i + 1] = rgba[4 * i + 1]; px[3 * i + 2] = rgba[4 * i + 2] }
        let top = max(0, box.top), left = max(0, box.left)
        let bottom = min(image.height - 1, box.bottom), right = min(image.width - 1, box.right)
        if top <= bottom && left <= right {
            for y in top...bottom {
                for x in left...right {
                    let edge = y - top < thickness || bottom - y < thickness || x - left < thickness || right - x < thickness
                    if edge { px[3 * (y * image.width + x)] = 230; px[3 * (y * image.width + x) + 1] = 30; px[3 * (y * image.width + x) + 2] = 30 }
                }
            }
        }
        return try RasterImage(width: image.width, height: image.height, format: .rgb, pixels: px)
    }

    /// The part of `image` under `box`; pixels outside the image are mid gray.
    static func crop(_ image: RasterImage, box: PixelBox) throws -> RasterImage {
        let rgba = image.rgbaPixels()
        var px = [UInt8](repeating: 160, count: box.width * box.height * 3)
        for y in 0..<box.height {
            let sy = box.top + y
            guard sy >= 0 && sy < image.height else { continue }
            for x in 0..<box.width {
                let sx = box.left + x
                guard sx >= 0 && sx < image.width else { continue }
                let s = 4 * (sy * image.width + sx), d = 3 * (y * box.width + x)
                px[d] = rgba[s]; px[d + 1] = rgba[s + 1]; px[d + 2] = rgba[s + 2]
            }
        }
        return try RasterImage(width: box.width, height: box.height, format: .rgb, pixels: px)
    }

    /// A small bar picture of a histogram (dark bars on white, a red column where zero falls).
    static func histogramImage(_ histogram: Histogram, width: Int = 100, height: Int = 48, logY: Bool = false) throws -> RasterImage {
        var px = [UInt8](repeating: 255, count: width * height * 3)
        // Log scale: log(1 + count), so an empty bin stays empty and a single weight still shows.
        let scale = { (count: Int) in logY ? log1p(Double(count)) : Double(count) }
        let peak = max(scale(1), scale(histogram.counts.max() ?? 1))
        let bins = histogram.counts.count
        for x in 0..<width {
            let bin = min(bins - 1, x * bins / width)
            let bar = Int((scale(histogram.counts[bin]) / peak * Double(height - 2)).rounded(.up))
            for y in (height - bar)..<height { let d = 3 * (y * width + x); px[d] = 60; px[d + 1] = 90; px[d + 2] = 140 }
        }
        if histogram.lower < 0 && histogram.upper > 0 {
            let x = Int((-histogram.lower) / (histogram.upper - histogram.lower) * Double(width))
            if x >= 0 && x < width { for y in 0..<height { let d = 3 * (y * width + x); px[d] = 220; px[d + 1] = 40; px[d + 2] = 40 } }
        }
        return try RasterImage(width: width, height: height, format: .rgb, pixels: px)
    }

    /// Compact number text for captions.
    static func short(_ value: Double) -> String { NumberFormat.automatic.format(value) }
}

extension TensorFigures {
    /// A template context without its nil entries (a missing key is false in a `{{#key}}` section; an empty string is not).
    static func context(_ values: [String: Any?]) -> [String: Any] { values.compactMapValues { $0 } }
}
