import Foundation
import LoupeTensor

/// Histogram of oriented gradients as scikit-image `feature.hog` computes it (docs/sanity-checks.md#hog).
///
/// Gradients are central differences without the 1/2 factor (zero on the border rows/columns);
/// with several channels each pixel keeps the channel of largest gradient magnitude. Unsigned
/// orientations (0–180°) vote their magnitude into `orientations` bins per cell (cells tile the
/// image from the top-left corner, leftover rows/columns are ignored; a cell's sum is divided by its
/// pixel count and accumulated in single precision, as skimage's Cython kernel does). Blocks of
/// `block` x `block` cells are L2-Hys normalised (ε = 1e-5, clip at 0.2) and concatenated in
/// (block row, block column, cell row, cell column, orientation) order.
public enum HOG {
    /// The descriptor of a C x H x W map (C = 1 or any channel count, channel-major).
    public static func descriptor(_ map: [Double], channels: Int, height: Int, width: Int, cell: Int,
                                  block: Int = 3, orientations: Int = 9) throws -> [Double] {
        let plane = height * width
        guard channels > 0, cell > 0, block > 0, orientations > 0, map.count == channels * plane else {
            throw LoupeError(.invalidInput, location: "HOG", "map of \(map.count) values for \(channels) x \(height) x \(width)")
        }
        let cellsY = height / cell, cellsX = width / cell
        let blocksY = cellsY - block + 1, blocksX = cellsX - block + 1
        guard blocksY > 0, blocksX > 0 else {
            throw LoupeError(.invalidInput, location: "HOG",
                             "a \(height) x \(width) map is too small for \(cell)-px cells in \(block) x \(block) blocks")
        }
        // Per pixel: the channel with the largest gradient magnitude (first one on ties).
        var gRow = [Double](repeating: 0, count: plane), gCol = [Double](repeating: 0, count: plane)
        var best = [Double](repeating: -1, count: plane)
        for channel in 0..<channels {
            let base = channel * plane
            for y in 0..<height {
                for x in 0..<width {
                    let dy = y > 0 && y < height - 1 ? map[base + (y + 1) * width + x] - map[base + (y - 1) * width + x] : 0
                    let dx = x > 0 && x < width - 1 ? map[base + y * width + x + 1] - map[base + y * width + x - 1] : 0
                    let magnitude = (dx * dx + dy * dy).squareRoot()
                    if magnitude > best[y * width + x] { best[y * width + x] = magnitude; gRow[y * width + x] = dy; gCol[y * width + x] = dx }
                }
            }
        }
        // Cell histograms.
        let binWidth = 180.0 / Double(orientations)
        var histogram = [Double](repeating: 0, count: cellsY * cellsX * orientations)
        let magnitude = (0..<plane).map { hypot(gCol[$0], gRow[$0]) }
        let angle = (0..<plane).map { i -> Double in
            let degrees = atan2(gRow[i], gCol[i]) * (180 / Double.pi)
            let wrapped = degrees.truncatingRemainder(dividingBy: 180)
            return wrapped < 0 ? wrapped + 180 : wrapped
        }
        for cy in 0..<cellsY {
            for cx in 0..<cellsX {
                for bin in 0..<orientations {
                    let low = Double(Float(binWidth * Double(bin))), high = Double(Float(binWidth * Double(bin + 1)))
                    var total: Float = 0
                    for y in (cy * cell)..<((cy + 1) * cell) {
                        for x in (cx * cell)..<((cx + 1) * cell) where angle[y * width + x] < high && angle[y * width + x] >= low {
                            total = Float(Double(total) + magnitude[y * width + x])
                        }
                    }
                    histogram[(cy * cellsX + cx) * orientations + bin] = Double(total / Float(cell * cell))
                }
            }
        }
        // L2-Hys block normalisation.
        let epsilon2 = 1e-5 * 1e-5
        var out = [Double]()
        out.reserveCapacity(blocksY * blocksX * block * block * orientations)
        for by in 0..<blocksY {
            for bx in 0..<blocksX {
                var values = [Double]()
                for cy in by..<(by + block) {
                    for cx in bx..<(bx + block) {
                        values += histogram[((cy * cellsX + cx) * orientations)..<((cy * cellsX + cx + 1) * orientations)]
                    }
                }
                let norm = (values.reduce(0) { $0 + $1 * $1 } + epsilon2).squareRoot()
                values = values.map { min($0 / norm, 0.2) }
                let renorm = (values.reduce(0) { $0 + $1 * $1 } + epsilon2).squareRoot()
                out += values.map { $0 / renorm }
            }
        }
        return out
    }

    /// The cell size used on an H x W map: 16 px as in Adebayo et al., reduced on small maps so
    /// that at least 5 x 5 blocks of 3 x 3 cells fit (⌊min(H, W)/7⌋, at least 2 px).
    public static func cellSize(height: Int, width: Int) -> Int {
        max(2, min(16, min(height, width) / 7))
    }
}
