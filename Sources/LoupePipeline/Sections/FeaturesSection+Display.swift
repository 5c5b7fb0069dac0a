import Foundation
import LoupeAnalysis
import LoupeReport
import LoupeTensor

extension FeatureFigures {
    /// A drawn grid of optimised images with its noise measures.
    struct Grid {
        var figure: Figure
        /// All tiles in one picture (for `figures/`).
        var mosaic: RasterImage
        /// Spectral flatness of each image (see `spectralFlatness`).
        var flatness: [Double]
        /// Images flatter (more noise-like) than `noiseFlatness`.
        var noisy: Int
        /// The captions' names (class or unit) of those images, in grid order.
        var noisyNames: [String] = []
    }

    /// The grid of optimised images: each image min–max scaled over all its channels (N-01), enlarged with square pixels.
    static func grid(_ context: JobContext, _ result: VisualisationResult, captions: [String], columns: Int? = nil) throws -> Grid {
        let images = result.images
        let rows = images.shape[0]
        let per = images.count / max(rows, 1)
        let (c, h, w) = (images.shape[1], images.shape[2], images.shape[3])
        let factor = TensorFigures.factor(max(h, w), toReach: 72)
        var cells = [Figure.Cell]()
        var tiles = [RasterImage]()
        var flatness = [Double]()
        for row in 0..<rows {
            let scaled = MapSimilarity.minMax(Array(images.scalars[(row * per)..<((row + 1) * per)]))
            flatness.append(Self.spectralFlatness(scaled, channels: c, height: h, width: w))
            let tile = try display(scaled, channels: c, height: h, width: w, bgr: context.job.preprocessing.channelOrder == "bgr")
                .upscaled(by: factor)
            tiles.append(tile)
            let value = row < result.finalValues.count ? TensorFigures.short(Double(result.finalValues[row])) : ""
            cells.append(Figure.Cell(tile, caption: "\(row < captions.count ? captions[row] : "") (\(value))"))
        }
        let noisy = flatness.filter { $0 > noiseFlatness }.count
        let noisyNames = flatness.indices.filter { flatness[$0] > noiseFlatness && $0 < captions.count }.map { captions[$0] }
        let columns = columns ?? (rows <= 5 ? rows : (rows <= 10 ? 5 : 8))
        let caption = try context.templates.text("features_grid_caption")
        return Grid(figure: Figure(cells: cells, columns: columns, caption: caption, maxCellWidth: 84),
                    mosaic: try TensorFigures.mosaic(tiles, columns: columns, gap: 2), flatness: flatness, noisy: noisy,
                    noisyNames: noisyNames)
    }

    /// Bytes of an N-01 scaled `[C, H, W]` image: RGB for 3 channels, the first channel in gray otherwise.
    static func display(_ scaled: [Float], channels: Int, height: Int, width: Int, bgr: Bool) throws -> RasterImage {
        let plane = height * width
        let bytes = scaled.map { UInt8(min(max(($0 * 255).rounded(), 0), 255)) }
        if channels == 3 {
            var planes = bytes
            if bgr {
                planes = Array(bytes[(2 * plane)..<(3 * plane)]) + Array(bytes[plane..<(2 * plane)]) + Array(bytes[0..<plane])
            }
            return try TensorFigures.rgbFromPlanes(planes, width: width, height: height)
        }
        return try TensorFigures.gray(Array(bytes.prefix(plane)), width: width, height: height)
    }

    /// Spectral flatness of an image (geometric over arithmetic mean of its power spectrum without the DC term,
    /// averaged over channels): about 0.56 for white noise, near 0 for smooth or periodic images.
    static func spectralFlatness(_ values: [Float], channels: Int, height: Int, width: Int) -> Double {
        let (h, w) = (height, width)
        guard h * w > 1 else { return 0 }
        let cosH = (0..<(h * h)).map { cos(2 * Double.pi * Double(($0 / h) * ($0 % h)) / Double(h)) }
        let sinH = (0..<(h * h)).map { sin(2 * Double.pi * Double(($0 / h) * ($0 % h)) / Double(h)) }
        let cosW = (0..<(w * w)).map { cos(2 * Double.pi * Double(($0 / w) * ($0 % w)) / Double(w)) }
        let sinW = (0..<(w * w)).map { sin(2 * Double.pi * Double(($0 / w) * ($0 % w)) / Double(w)) }
        var total = 0.0
        for c in 0..<channels {
            let base = c * h * w
            // Rows first: R[y][u] = Σ_x v[y][x] e^{−2πi ux/w}.
            var re = [Double](repeating: 0, count: h * w), im = re
            for y in 0..<h {
                for u in 0..<w {
                    var a = 0.0, b = 0.0
                    for x in 0..<w {
                        let v = Double(values[base + y * w + x])
                        a += v * cosW[u * w + x]
                        b -= v * sinW[u * w + x]
                    }
                    re[y * w + u] = a
                    im[y * w + u] = b
                }
            }
            var logSum = 0.0, sum = 0.0, count = 0
            for k in 0..<h {
                for u in 0..<w where k != 0 || u != 0 {
                    var a = 0.0, b = 0.0
                    for y in 0..<h {
                        let (cr, ci) = (cosH[k * h + y], -sinH[k * h + y])
                        a += re[y * w + u] * cr - im[y * w + u] * ci
                        b += re[y * w + u] * ci + im[y * w + u] * cr
                    }
                    let power = a * a + b * b + 1e-12
                    logSum += log(power)
                    sum += power
                    count += 1
                }
            }
            let n = Double(max(count, 1))
            total += sum > 0 ? exp(logSum / n) / (sum / n) : 0
        }
        return total / Double(max(channels, 1))
    }
}
