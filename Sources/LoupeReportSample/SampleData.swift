import Foundation
import LoupeReport

/// The sample report's generator: LoupeReport's SplitMix64, so the sample is identical on every run.
public typealias SampleRandom = SplitMix64

extension SplitMix64 {
    /// Uniform in 0..<1.
    public mutating func uniform() -> Double { Double(next() >> 11) / Double(1 << 53) }

    /// Standard normal (Box–Muller).
    public mutating func normal() -> Double {
        let u = max(uniform(), 1e-12), v = uniform()
        return (-2 * log(u)).squareRoot() * cos(2 * .pi * v)
    }
}

/// Synthetic numbers and pictures standing in for a real classifier run in the sample report.
public struct SampleData {
    /// Class names, deliberately including markup characters, Greek, accents and CJK.
    public static let classNames = ["airplane", "<b>&", "Δέλτα αβγ", "café crème", "deer", "猫 (cat)",
                                    "frog", "horse", "ship", "truck"]

    var random = SampleRandom(seed: 42)

    /// Training and validation loss per epoch.
    mutating func lossCurves(epochs: Int) -> (train: [(Double, Double)], validation: [(Double, Double)]) {
        var train: [(Double, Double)] = [], validation: [(Double, Double)] = []
        for e in 1...epochs {
            let x = Double(e)
            train.append((x, 2.3 * exp(-x / 9) + 0.02 + 0.01 * abs(random.normal())))
            validation.append((x, 2.3 * exp(-x / 11) + 0.09 + 0.002 * x + 0.02 * abs(random.normal())))
        }
        return (train, validation)
    }

    /// `count` points in `classes` clusters, like a 2-D embedding.
    mutating func embedding(count: Int, classes: Int) -> [ScatterPoint] {
        (0..<count).map { i in
            let c = i % classes
            let angle = 2 * .pi * Double(c) / Double(classes)
            let spread = 2.2 + 0.4 * Double(c % 3)
            return ScatterPoint(x: 14 * cos(angle) + spread * random.normal(),
                                y: 10 * sin(angle) + spread * random.normal(), classIndex: c)
        }
    }

    /// A row-normalised confusion matrix with a strong diagonal.
    mutating func confusion(classes: Int) -> [[Double]] {
        (0..<classes).map { i in
            var row = (0..<classes).map { j in j == i ? 0 : random.uniform() * (abs(i - j) == 1 ? 6 : 1.5) }
            row[i] = 60 + 35 * random.uniform()
            let total = row.reduce(0, +)
            return row.map { $0 / total }
        }
    }

    /// Normally distributed weights.
    mutating func weights(count: Int, scale: Double) -> [Double] { (0..<count).map { _ in scale * random.normal() } }

    /// A `size`×`size` kernel as a flat grid.
    mutating func kernel(size: Int) -> [Float] { (0..<(size * size)).map { _ in Float(random.normal()) } }

    /// A synthetic RGB picture: a coloured disc on a gradient background.
    mutating func picture(size: Int, hue: Int) -> RasterImage {
        let base = CategoricalPalette.color(hue)
        let cx = Double(size) * (0.35 + 0.3 * random.uniform()), cy = Double(size) * (0.35 + 0.3 * random.uniform())
        let r = Double(size) * (0.18 + 0.1 * random.uniform())
        var px = [UInt8](repeating: 0, count: size * size * 3)
        for y in 0..<size {
            for x in 0..<size {
                let d = ((Double(x) - cx) * (Double(x) - cx) + (Double(y) - cy) * (Double(y) - cy)).squareRoot()
                let t = Double(y) / Double(size)
                let bg = Color(red: 0.85 - 0.3 * t, green: 0.88 - 0.2 * t, blue: 0.92 - 0.1 * t)
                let c = d < r ? base : bg
                let noise = 0.04 * random.normal()
                let i = 3 * (y * size + x)
                px[i] = UInt8(min(255, max(0, (c.red + noise) * 255)))
                px[i + 1] = UInt8(min(255, max(0, (c.green + noise) * 255)))
                px[i + 2] = UInt8(min(255, max(0, (c.blue + noise) * 255)))
            }
        }
        return (try? RasterImage(width: size, height: size, format: .rgb, pixels: px))
            ?? RasterImage.placeholder
    }

    /// An attribution map peaking around the picture's centre of interest.
    mutating func saliency(size: Int) -> [Float] {
        let cx = Double(size) * (0.3 + 0.4 * random.uniform()), cy = Double(size) * (0.3 + 0.4 * random.uniform())
        return (0..<(size * size)).map { i in
            let x = Double(i % size), y = Double(i / size)
            let d2 = ((x - cx) * (x - cx) + (y - cy) * (y - cy)) / Double(size * size) * 18
            return Float(exp(-d2) + 0.08 * abs(random.normal()))
        }
    }
}
