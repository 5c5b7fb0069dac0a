import LoupeEngine
import LoupeTensor

/// Occlusion (Zeiler & Fergus 2014; Captum `Occlusion`; docs/attribution.md#occlusion).
public enum Occlusion {
    /// Window positions along one axis: starts k·stride, the last window cropped to the input.
    static func starts(size: Int, window: Int, stride: Int) -> [Int] {
        guard window < size else { return [0] }
        let count = (size - window + stride - 1) / stride + 1
        return (0..<count).map { $0 * stride }
    }

    /// Slides a (C, H, W) window with a (C, H, W) stride; each element gets the mean score drop of the windows covering it.
    ///
    /// Perturbed copies are scored in batches of `batchSize`.
    public static func attribute(_ classifier: Classifier, images: Tensor, targets: [Int], window: [Int], stride: [Int],
                                 baseline: Float = 0, batchSize: Int = 32) throws -> Tensor {
        let sample = Array(images.shape.dropFirst())
        guard window.count == sample.count, stride.count == sample.count else {
            throw LoupeError(.invalidConfig, location: "--window/--stride",
                             "need \(sample.count) values (one per input dimension \(sample)), got \(window) and \(stride)")
        }
        for axis in 0..<sample.count {
            guard window[axis] >= 1, window[axis] <= sample[axis], stride[axis] >= 1 else {
                throw LoupeError(.invalidConfig, location: "--window/--stride",
                                 "axis \(axis): window \(window[axis]) and stride \(stride[axis]) must lie in 1...\(sample[axis])")
            }
            guard window[axis] >= sample[axis] || stride[axis] <= window[axis] else {
                throw LoupeError(.invalidConfig, location: "--stride",
                                 "axis \(axis): stride \(stride[axis]) exceeds window \(window[axis]); some elements would never be occluded")
            }
        }
        let strides = Tensor.strides(of: sample)
        let rowSize = sample.reduce(1, *)
        let axisStarts = (0..<sample.count).map { starts(size: sample[$0], window: window[$0], stride: stride[$0]) }
        // Every window as a list of per-axis start positions.
        var windows: [[Int]] = [[]]
        for axis in 0..<sample.count { windows = windows.flatMap { prefix in axisStarts[axis].map { prefix + [$0] } } }
        func forEachElement(of start: [Int], _ body: (Int) -> Void) {
            func visit(_ axis: Int, _ offset: Int) {
                if axis == sample.count { body(offset); return }
                for i in start[axis]..<min(start[axis] + window[axis], sample[axis]) { visit(axis + 1, offset + i * strides[axis]) }
            }
            visit(0, 0)
        }
        var coverage = [Float](repeating: 0, count: rowSize)
        for start in windows { forEachElement(of: start) { coverage[$0] += 1 } }
        let base = try classifier.scores(images)
        var out = Tensor(shape: images.shape)
        for image in 0..<images.shape[0] {
            let x = images.slice(batch: image..<(image + 1))
            let reference = base.scalars[image * base.shape[1] + targets[image]]
            var total = [Float](repeating: 0, count: rowSize)
            var next = 0
            while next < windows.count {
                let chunk = min(max(1, batchSize), windows.count - next)
                var batch = Tensor(shape: [chunk] + sample)
                for m in 0..<chunk {
                    for i in 0..<rowSize { batch.scalars[m * rowSize + i] = x.scalars[i] }
                    forEachElement(of: windows[next + m]) { batch.scalars[m * rowSize + $0] = baseline }
                }
                let scores = try classifier.scores(batch)
                for m in 0..<chunk {
                    let drop = reference - scores.scalars[m * scores.shape[1] + targets[image]]
                    forEachElement(of: windows[next + m]) { total[$0] += drop }
                }
                next += chunk
            }
            for i in 0..<rowSize { out.scalars[image * rowSize + i] = total[i] / coverage[i] }
        }
        return out
    }
}
