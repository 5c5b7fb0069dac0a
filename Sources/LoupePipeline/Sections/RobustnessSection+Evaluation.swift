import Foundation
import LoupeAnalysis
import LoupeCorruptions
import LoupeData
import LoupeTensor

/// The first error thrown by any of several threads.
final class FirstError: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Error?

    /// Keeps `error` unless one was recorded before.
    func record(_ error: Error) {
        lock.lock(); defer { lock.unlock() }
        if stored == nil { stored = error }
    }

    /// The first recorded error.
    var error: Error? {
        lock.lock(); defer { lock.unlock() }
        return stored
    }
}

/// The result of a corruption job running on another thread.
final class PrefetchSlot: @unchecked Sendable {
    var result: Result<(tensor: Tensor, seconds: Double), Error>?
}

/// Corrupts model inputs in display space and runs the model on them, batch by batch.
///
/// Each input tensor is turned back into 8-bit RGB with the job's preprocessing undone
/// (`Preprocessing.displayRGB8`; gray models get the gray image replicated to RGB), corrupted,
/// and sent back through the same preprocessing without its resize and crop (the image already
/// has the model's size; gray models take the BT.601 luma of the corrupted RGB image). Images
/// smaller than 32x32 are edge-padded to 32 for the corruption and cropped back. Every image
/// has its own generator, seeded from (job seed, dataset index), then (corruption, severity)
/// inside `corrupt`, so the corrupted images are the same whatever the batch size or thread count, and a
/// rerun with the same settings repeats exactly. (The model's outputs for an image may differ in the last
/// bit between batch sizes where images share a BLAS product: BENCHMARKS.md, "Batch-independent results".)
struct CorruptionPipeline {
    let classifier: Classifier
    /// The job's preprocessing with resize and crop removed.
    let preprocessing: Preprocessing
    let profile: CorruptionProfile
    let jpegQ85: Bool
    let seed: UInt64
    let classCount: Int
    let sampleShape: [Int]

    /// The per-image seed for dataset index `index`.
    func imageSeed(_ index: Int) -> UInt64 {
        var x = seed &* 0x9E37_79B9_7F4A_7C15 ^ (UInt64(truncatingIfNeeded: index) &+ 0x632B_E59B_D9B4_E019)
        x = (x ^ (x >> 30)) &* 0xBF58_476D_1CE4_E5B9
        x = (x ^ (x >> 27)) &* 0x94D0_49BB_1331_11EB
        return x ^ (x >> 31)
    }

    /// The display-space RGB image of every sample in an `[N, C, H, W]` batch.
    func displayImages(_ batch: Tensor) throws -> [RGBImage8] {
        try (0..<batch.shape[0]).map { i in
            let decoded = try preprocessing.displayRGB8(batch.slice(batch: i..<(i + 1)))
            return try RGBImage8(width: decoded.width, height: decoded.height, bytes: decoded.bytes)
        }
    }

    /// One image corrupted the pipeline's way (padding small images, optional q85 re-encode).
    func corruptOne(_ image: RGBImage8, index: Int, name: String, severity: Int) throws -> RGBImage8 {
        let padded = try Self.padded(image, toAtLeast: 32)
        var out = try corrupt(padded.image, name: name, severity: severity, seed: imageSeed(index), profile: profile)
        if jpegQ85 { out = try Corruptions.jpegRoundTrip(out, quality: 85) }
        return try Self.cropped(out, top: padded.top, left: padded.left, height: image.height, width: image.width)
    }

    /// Corrupts `images` (dataset indices `indices`) in parallel and returns the model input `[N, C, H, W]`.
    func inputs(_ images: [RGBImage8], indices: [Int], name: String, severity: Int) throws -> Tensor {
        let n = images.count
        let sampleSize = sampleShape.reduce(1, *)
        var scalars = [Float](repeating: 0, count: n * sampleSize)
        let failure = UncheckedBox(FirstError())
        scalars.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            let out = SendablePointer(base)
            Parallel.forEachChunk(n, grain: 1) { range in
                for i in range {
                    do {
                        let corrupted = try corruptOne(images[i], index: indices[i], name: name, severity: severity)
                        let values = corrupted.bytes.map { Float($0) / 255 }
                        let pixels = PixelImage(width: corrupted.width, height: corrupted.height, channels: 3, values: values)
                        preprocessing.apply(pixels, into: out.base + i * sampleSize)
                    } catch {
                        failure.value.record(error)
                        return
                    }
                }
            }
        }
        if let error = failure.value.error { throw error }
        return Tensor(shape: [n] + sampleShape, scalars: scalars)
    }

    /// Runs the model on a batch and appends every prediction to `outcomes`.
    func score(_ inputs: Tensor, labels: [Int], into outcomes: inout CellOutcomes) throws {
        let scores = try classifier.scores(inputs)
        let classes = scores.shape[1]
        guard classes == classCount else {
            throw LoupeError(.invalidModel, "the model scores \(classes) classes but the job has \(classCount) class names")
        }
        scores.scalars.withUnsafeBufferPointer { s in
            for row in 0..<labels.count {
                var best = 0
                var top = s[row * classes]
                for k in 1..<max(1, classes) where s[row * classes + k] > top { top = s[row * classes + k]; best = k }
                var total = 0.0
                for k in 0..<classes { total += Foundation.exp(Double(s[row * classes + k] - top)) }
                outcomes.append(label: labels[row], prediction: best, confidence: 1 / total)
            }
        }
    }

    /// Evaluates every (corruption, severity) cell on the images at `indices`, streaming `batchSize` images at a time.
    ///
    /// `seconds` receives the wall-clock time spent corrupting and running the model (the two overlap: the
    /// next cell is corrupted on another thread while the model runs).
    func evaluate(dataset: any Dataset, indices: [Int], cells: [(name: String, severity: Int)], batchSize: Int,
                  seconds: inout (corrupting: Double, model: Double), progress: (Int, Int) -> Void) throws -> [CellOutcomes] {
        var tallies = [CellOutcomes](repeating: CellOutcomes(), count: cells.count)
        guard !cells.isEmpty else { return tallies }
        let step = max(1, batchSize)
        var done = 0
        for start in stride(from: 0, to: indices.count, by: step) {
            let batchIndices = Array(indices[start..<min(indices.count, start + step)])
            let (clean, labels) = try dataset.batch(batchIndices)
            let images = try displayImages(clean)
            // The next cell's images are corrupted on another thread while the model runs on the current cell.
            var pending = try timedInputs(images, batchIndices, cells[0])
            for c in cells.indices {
                let current = pending
                let next = PrefetchSlot()
                let group = DispatchGroup()
                if c + 1 < cells.count {
                    let cell = cells[c + 1]
                    DispatchQueue.global().async(group: group) {
                        next.result = Result { try timedInputs(images, batchIndices, cell) }
                    }
                }
                let t0 = Date()
                try score(current.tensor, labels: labels, into: &tallies[c])
                seconds.model += Date().timeIntervalSince(t0)
                seconds.corrupting += current.seconds
                group.wait()
                if let result = next.result { pending = try result.get() }
            }
            done += batchIndices.count
            progress(done, indices.count)
        }
        return tallies
    }

    /// `inputs` with the wall-clock seconds it took.
    func timedInputs(_ images: [RGBImage8], _ indices: [Int], _ cell: (name: String, severity: Int)) throws -> (tensor: Tensor, seconds: Double) {
        let start = Date()
        let tensor = try inputs(images, indices: indices, name: cell.name, severity: cell.severity)
        return (tensor, Date().timeIntervalSince(start))
    }

    /// Edge-pads an image to at least `side` x `side` (centred); returns the offsets of the original.
    static func padded(_ image: RGBImage8, toAtLeast side: Int) throws -> (image: RGBImage8, top: Int, left: Int) {
        guard image.width < side || image.height < side else { return (image, 0, 0) }
        let w = max(side, image.width), h = max(side, image.height)
        let top = (h - image.height) / 2, left = (w - image.width) / 2
        var bytes = [UInt8](repeating: 0, count: w * h * 3)
        for y in 0..<h {
            let sy = min(image.height - 1, max(0, y - top))
            for x in 0..<w {
                let sx = min(image.width - 1, max(0, x - left))
                for k in 0..<3 { bytes[(y * w + x) * 3 + k] = image.bytes[(sy * image.width + sx) * 3 + k] }
            }
        }
        return (try RGBImage8(width: w, height: h, bytes: bytes), top, left)
    }

    /// The `height` x `width` window of `image` at (`top`, `left`).
    static func cropped(_ image: RGBImage8, top: Int, left: Int, height: Int, width: Int) throws -> RGBImage8 {
        if top == 0 && left == 0 && height == image.height && width == image.width { return image }
        var bytes = [UInt8](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            let src = ((y + top) * image.width + left) * 3
            for i in 0..<(width * 3) { bytes[y * width * 3 + i] = image.bytes[src + i] }
        }
        return try RGBImage8(width: width, height: height, bytes: bytes)
    }
}
