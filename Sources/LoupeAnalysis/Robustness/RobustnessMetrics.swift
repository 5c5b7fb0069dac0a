import Foundation

/// Corruption error metrics of Hendrycks & Dietterich (2019): CE, mCE, relative mCE, and their normalisers.
public enum RobustnessMetrics {
    /// Top-1 error of torchvision's AlexNet on ImageNet-C per severity 1...5 (docs/corruptions.md#alexnet-baseline, fractions).
    public static let alexNetErrors: [String: [Double]] = [
        "gaussian_noise": [0.69528, 0.82542, 0.93554, 0.98138, 0.99452],
        "shot_noise": [0.71224, 0.85108, 0.93574, 0.98182, 0.99146],
        "impulse_noise": [0.78374, 0.89808, 0.94870, 0.98720, 0.99548],
        "defocus_blur": [0.65624, 0.73202, 0.85036, 0.91364, 0.94714],
        "glass_blur": [0.64308, 0.75054, 0.88806, 0.91622, 0.93344],
        "motion_blur": [0.58430, 0.70048, 0.82108, 0.89750, 0.92638],
        "zoom_blur": [0.70008, 0.76992, 0.80784, 0.84198, 0.87198],
        "snow": [0.71726, 0.88392, 0.86468, 0.91870, 0.94952],
        "frost": [0.61390, 0.79734, 0.88790, 0.89942, 0.93430],
        "fog": [0.67474, 0.76050, 0.84378, 0.87260, 0.94500],
        "brightness": [0.45140, 0.48502, 0.54048, 0.62166, 0.72440],
        "contrast": [0.64548, 0.76150, 0.88874, 0.97760, 0.99270],
        "elastic_transform": [0.52596, 0.70116, 0.55686, 0.64076, 0.80554],
        "pixelate": [0.52218, 0.54620, 0.73728, 0.87092, 0.91262],
        "jpeg_compression": [0.51002, 0.54718, 0.57294, 0.65458, 0.74778],
        "speckle_noise": [0.66192, 0.74440, 0.90246, 0.94548, 0.97268],
        "gaussian_blur": [0.54732, 0.70444, 0.82574, 0.89864, 0.95940],
        "spatter": [0.47196, 0.62194, 0.75052, 0.84132, 0.90182],
        "saturate": [0.59342, 0.65514, 0.51174, 0.70834, 0.82260],
    ]
    /// AlexNet's clean top-1 error on ImageNet validation (torchvision weights, docs/corruptions.md#alexnet-baseline).
    public static let alexNetCleanError = 0.43478

    /// The per-severity errors and clean error a model's errors are divided by.
    public struct Normaliser: Sendable, Equatable {
        /// What the numbers come from (`AlexNet (ImageNet-C)`, a baseline file name, ...).
        public var name: String
        /// corruption name -> severity (1...5) -> error.
        public var errors: [String: [Int: Double]]
        public var cleanError: Double

        public init(name: String, errors: [String: [Int: Double]], cleanError: Double) {
            self.name = name; self.errors = errors; self.cleanError = cleanError
        }

        /// The AlexNet table (docs/corruptions.md#alexnet-baseline).
        public static let alexNet = Normaliser(
            name: "AlexNet (ImageNet-C)",
            errors: alexNetErrors.mapValues { row in Dictionary(uniqueKeysWithValues: row.enumerated().map { ($0.offset + 1, $0.element) }) },
            cleanError: alexNetCleanError)
    }

    /// CE_c = Σ_s E_{s,c} / Σ_s E^base_{s,c} over the given severities; nil when the baseline lacks a cell or sums to 0.
    public static func corruptionError(_ errors: [Int: Double], baseline: [Int: Double]?) -> Double? {
        guard let baseline, !errors.isEmpty else { return nil }
        var model = 0.0, base = 0.0
        for (severity, error) in errors {
            guard let b = baseline[severity] else { return nil }
            model += error; base += b
        }
        return base > 0 ? model / base : nil
    }

    /// Relative CE_c = Σ_s (E_{s,c} − E_clean) / Σ_s (E^base_{s,c} − E^base_clean); nil when undefined.
    public static func relativeCorruptionError(_ errors: [Int: Double], clean: Double, baseline: [Int: Double]?,
                                               baselineClean: Double) -> Double? {
        guard let baseline, !errors.isEmpty else { return nil }
        var model = 0.0, base = 0.0
        for (severity, error) in errors {
            guard let b = baseline[severity] else { return nil }
            model += error - clean; base += b - baselineClean
        }
        return base != 0 ? model / base : nil
    }

    /// The mean of the defined values, nil when there is none.
    public static func mean(_ values: [Double?]) -> Double? {
        let defined = values.compactMap { $0 }
        return defined.isEmpty ? nil : defined.reduce(0, +) / Double(defined.count)
    }

    /// Whether the AlexNet table applies: ImageNet-C profile on 224x224 inputs of a 1000-class model (docs/corruptions.md#report-rules).
    public static func alexNetApplies(profileIsImageNet: Bool, height: Int, width: Int, classes: Int) -> Bool {
        profileIsImageNet && height == 224 && width == 224 && classes == 1000
    }
}

/// Equal-width reliability bins of top-1 confidence, for the expected calibration error.
public struct CalibrationBins: Sendable, Equatable {
    /// Number of bins (15 by convention).
    public let binCount: Int
    public private(set) var counts: [Int]
    public private(set) var confidenceSums: [Double]
    public private(set) var correctCounts: [Int]

    public init(binCount: Int = 15) {
        self.binCount = max(1, binCount)
        counts = [Int](repeating: 0, count: self.binCount)
        confidenceSums = [Double](repeating: 0, count: self.binCount)
        correctCounts = [Int](repeating: 0, count: self.binCount)
    }

    /// The bin of a confidence: bins are (k/B, (k+1)/B], with 0 in the first bin.
    public func bin(of confidence: Double) -> Int {
        let scaled = (confidence * Double(binCount)).rounded(.up) - 1
        guard scaled.isFinite else { return 0 }
        return min(binCount - 1, max(0, Int(scaled)))
    }

    /// Adds one prediction.
    public mutating func add(confidence: Double, correct: Bool) {
        let b = bin(of: confidence)
        counts[b] += 1
        confidenceSums[b] += confidence
        if correct { correctCounts[b] += 1 }
    }

    /// Adds another set of bins with the same bin count.
    public mutating func merge(_ other: CalibrationBins) {
        for b in 0..<min(binCount, other.binCount) {
            counts[b] += other.counts[b]; confidenceSums[b] += other.confidenceSums[b]; correctCounts[b] += other.correctCounts[b]
        }
    }

    /// Predictions added.
    public var total: Int { counts.reduce(0, +) }

    /// ECE = Σ_b (n_b / N) |accuracy_b − mean confidence_b|; 0 when empty.
    public var expectedCalibrationError: Double {
        let n = Double(total)
        guard n > 0 else { return 0 }
        var sum = 0.0
        for b in 0..<binCount where counts[b] > 0 {
            let c = Double(counts[b])
            sum += c / n * abs(Double(correctCounts[b]) / c - confidenceSums[b] / c)
        }
        return sum
    }

    /// Mean top-1 confidence; 0 when empty.
    public var meanConfidence: Double {
        total > 0 ? confidenceSums.reduce(0, +) / Double(total) : 0
    }

    /// Accuracy of the added predictions; 0 when empty.
    public var accuracy: Double {
        total > 0 ? Double(correctCounts.reduce(0, +)) / Double(total) : 0
    }
}
