import Foundation
import LoupeAnalysis
import LoupeEngine
import LoupeReport
import LoupeTensor

extension RunComparison {
    /// Relative change ‖after − before‖ / ‖before‖ of every parameter both models hold with the same name and shape.
    ///
    /// Empty when either model file cannot be read or the graphs share no parameter.
    static func weightChanges(beforeModel: String, afterModel: String) -> [(parameter: String, relativeChange: Double)] {
        guard FileManager.default.fileExists(atPath: beforeModel), FileManager.default.fileExists(atPath: afterModel),
              let a = try? Model(path: beforeModel), let b = try? Model(path: afterModel) else { return [] }
        return a.graph.initializerOrder.compactMap { name in
            guard case .float(let x)? = a.graph.initializers[name], case .float(let y)? = b.graph.initializers[name],
                  x.shape == y.shape, x.scalars.count > 1 else { return nil }
            var difference = 0.0, norm = 0.0
            for (u, v) in zip(x.scalars, y.scalars) {
                difference += Double(v - u) * Double(v - u)
                norm += Double(u) * Double(u)
            }
            return (name, norm > 0 ? (difference / norm).squareRoot() : (difference > 0 ? .infinity : 0))
        }
    }

    /// The first convolution's filters of both models side by side, on one shared symmetric scale.
    static func firstLayerFigure(beforeModel: String, afterModel: String) -> Figure? {
        guard FileManager.default.fileExists(atPath: beforeModel), FileManager.default.fileExists(atPath: afterModel),
              let a = try? Model(path: beforeModel), let b = try? Model(path: afterModel) else { return nil }
        guard let name = a.graph.initializerOrder.first(where: { name in
            guard case .float(let x)? = a.graph.initializers[name], case .float(let y)? = b.graph.initializers[name] else { return false }
            return x.shape.count == 4 && x.shape == y.shape && x.shape[1] <= 3
        }), case .float(let x)? = a.graph.initializers[name], case .float(let y)? = b.graph.initializers[name] else { return nil }
        let bound = max(x.scalars.map(abs).max() ?? 0, y.scalars.map(abs).max() ?? 0)
        guard bound > 0 else { return nil }
        let count = min(x.shape[0], 32)
        guard let tilesA = try? WeightFigures.filterTiles(x, count: count, scale: { _ in (-bound, bound) }),
              let tilesB = try? WeightFigures.filterTiles(y, count: count, scale: { _ in (-bound, bound) }),
              let mosaicA = try? TensorFigures.mosaic(tilesA, columns: 8, gap: 3),
              let mosaicB = try? TensorFigures.mosaic(tilesB, columns: 8, gap: 3) else { return nil }
        return Figure(cells: [Figure.Cell(mosaicA, caption: "baseline run"), Figure.Cell(mosaicB, caption: "this run")], columns: 2,
                      caption: "First-layer filters (\(name), first \(count)), both on the scale ±\(String(format: "%.3g", bound)); filter 0 top left, 8 per row.",
                      maxCellWidth: 220)
    }

    /// The first gallery image's map of every method in both runs, side by side (before, after).
    static func driftFigure(_ folderA: String, _ folderB: String, methods: [String]) -> Figure? {
        var cells = [Figure.Cell]()
        for method in methods {
            let file = "\(RunRecords.attributionsFolder)/\(method).npy"
            guard let a = try? NPY.read(path: "\(folderA)/\(file)").asFloat, let b = try? NPY.read(path: "\(folderB)/\(file)").asFloat,
                  a.shape == b.shape, a.shape.count == 4, a.shape[0] > 0 else { continue }
            let (c, h, w) = (a.shape[1], a.shape[2], a.shape[3])
            func plane(_ t: Tensor) -> [Float] {
                (0..<(h * w)).map { p in (0..<c).reduce(Float(0)) { $0 + abs(t.scalars[$1 * h * w + p]) } }
            }
            guard let left = try? RasterImage.heatmap(plane(a), width: w, height: h, colorMap: .magma),
                  let right = try? RasterImage.heatmap(plane(b), width: w, height: h, colorMap: .magma) else { continue }
            cells.append(Figure.Cell(left, caption: "\(method), baseline"))
            cells.append(Figure.Cell(right, caption: "\(method), this run"))
        }
        guard !cells.isEmpty else { return nil }
        return Figure(cells: cells, columns: 4, caption: "The first gallery image's map per method: baseline run, then this run (each map scaled to its own range).",
                      maxCellWidth: 90)
    }
}
