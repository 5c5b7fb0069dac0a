import Foundation
import LoupeAnalysis
import LoupeEngine
import LoupeTensor

/// `loupe bench`: steady-state inference throughput and peak memory of the engine on one model.
public enum EngineBenchmark {
    /// One measurement, printed as a JSON line comparable with `Benchmarks/bench_onnxruntime.py`.
    public struct Measurement: Codable, Sendable {
        public var engine = "loupe"
        public var model: String
        public var batch: Int
        public var imagesPerSecond: Double
        public var medianMilliseconds: Double
        public var runs: Int
        public var peakRSSMegabytes: Double
        public var threads: Int

        enum CodingKeys: String, CodingKey {
            case engine, model, batch, runs, threads
            case imagesPerSecond = "images_per_s"
            case medianMilliseconds = "median_ms"
            case peakRSSMegabytes = "peak_rss_mb"
        }
    }

    /// Runs the model on seeded normal input of `batch` rows for about `seconds` after a warm-up.
    public static func measure(modelPath: String, batch: Int, seconds: Double, warmup: Int = 3, seed: UInt64 = 0) throws -> Measurement {
        let model = try Model(path: modelPath)
        guard let sample = model.sampleShape else {
            throw LoupeError(.invalidModel, file: modelPath, location: "input", "the first input needs fixed non-batch dimensions")
        }
        var generator = SeededGenerator(seed: seed)
        let input = generator.normalTensor(shape: [batch] + sample, standardDeviation: 1)
        for _ in 0..<max(1, warmup) { _ = try model.run(input) }
        var times = [Double]()
        let start = Date()
        while Date().timeIntervalSince(start) < seconds || times.count < 3 {
            let t0 = Date()
            _ = try model.run(input)
            times.append(Date().timeIntervalSince(t0))
        }
        let total = times.reduce(0, +)
        let sorted = times.sorted()
        return Measurement(model: modelPath, batch: batch, imagesPerSecond: Double(batch * times.count) / total,
                           medianMilliseconds: sorted[sorted.count / 2] * 1000, runs: times.count,
                           peakRSSMegabytes: peakResidentMegabytes(), threads: Parallel.workerCount)
    }

    /// Attribution throughput of a registry method: images/s at `batch` (methods that run many passes per image,
    /// such as `integrated-gradients`, are timed one image at a time; their inner batches hold `internalBatch` rows).
    public static func measureAttribution(modelPath: String, method: String, batch: Int, steps: Int, seconds: Double,
                                          seed: UInt64 = 0, internalBatch: Int = 50) throws -> Measurement {
        guard let entry = AttributionMethods.named(method) else {
            throw LoupeError(.invalidConfig, location: "--method",
                             "unknown method '\(method)'; choose one of: " + AttributionMethods.names.joined(separator: ", "))
        }
        let classifier = try Classifier(model: try Model(path: modelPath))
        guard let sample = classifier.model.sampleShape else {
            throw LoupeError(.invalidModel, file: modelPath, location: "input", "the first input needs fixed non-batch dimensions")
        }
        var generator = SeededGenerator(seed: seed)
        let rows = entry.runsManyPassesPerImage ? 1 : batch
        let input = generator.normalTensor(shape: [rows] + sample, standardDeviation: 1)
        let targets = try classifier.targets(.predicted, scores: try classifier.scores(input))
        var settings = entry.defaults
        settings.steps = steps
        settings.seed = seed
        settings.internalBatchSize = max(1, internalBatch)
        func once() throws {
            _ = try entry.attribute(classifier, images: input, targets: targets, settings: settings)
        }
        try once()
        var times = [Double]()
        let start = Date()
        while Date().timeIntervalSince(start) < seconds || times.count < 3 {
            let t0 = Date()
            try once()
            times.append(Date().timeIntervalSince(t0))
        }
        let sorted = times.sorted()
        let total = times.reduce(0, +)
        return Measurement(engine: "loupe-\(method)", model: modelPath, batch: rows,
                           imagesPerSecond: Double(rows * times.count) / total, medianMilliseconds: sorted[sorted.count / 2] * 1000,
                           runs: times.count, peakRSSMegabytes: peakResidentMegabytes(), threads: Parallel.workerCount)
    }

    /// The process's peak resident set size in MiB (Linux reports kilobytes).
    public static func peakResidentMegabytes() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_maxrss) / 1024
    }

    /// The measurement as one JSON line.
    public static func jsonLine(_ measurement: Measurement) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(measurement), as: UTF8.self)
    }
}
