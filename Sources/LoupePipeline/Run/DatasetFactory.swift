import Foundation
import LoupeData
import LoupeTensor

/// Opens the dataset a job config names, with the model's preprocessing and the sampling options.
enum DatasetFactory {
    /// The preprocessing that turns the dataset's images into the model's `[C, H, W]` input.
    static func preprocessing(for job: JobConfig, sampleShape: [Int]) -> Preprocessing {
        let config = job.preprocessing
        let channels = sampleShape.first ?? 3
        let height = sampleShape.count >= 3 ? sampleShape[1] : 0
        let width = sampleShape.count >= 3 ? sampleShape[2] : 0
        var resizeShortSide: Int? = nil
        var resizeTo: [Int]? = nil
        if let resize = config.resize {
            if resize.count == 1 { resizeShortSide = resize[0] } else { resizeTo = resize }
        } else if config.centerCrop == nil && height > 0 {
            resizeTo = [height, width]
        }
        let range: Preprocessing.ValueRange = config.valueRange == [0, 255] ? .byte : .unit
        return Preprocessing(channels: channels == 1 ? 1 : 3, resizeShortSide: resizeShortSide, resizeTo: resizeTo,
                             centerCrop: config.centerCrop, channelOrder: config.channelOrder == "bgr" ? .bgr : .rgb,
                             valueRange: range, mean: (config.mean ?? [0]).map { Float($0) },
                             std: (config.std ?? [1]).map { Float($0) })
    }

    /// Opens the dataset and applies `limit` / `per_class` sampling; errors name the config field.
    static func open(_ job: JobConfig, sampleShape: [Int], classNames: [String]?) throws -> any Dataset {
        let config = job.dataset
        let preprocessing = preprocessing(for: job, sampleShape: sampleShape)
        let path = config.path ?? ""
        let base: any Dataset
        switch config.kind {
            case "synthetic-shapes":
                base = try SyntheticShapesDataset(count: config.count ?? 2000, seed: UInt64(config.seed), preprocessing: preprocessing)
            case "mnist-idx":
                base = try IDXDataset(imagesPath: path, labelsPath: config.labels ?? "", classNames: classNames ?? IDXDataset.digitNames,
                                      preprocessing: preprocessing)
            case "cifar10", "cifar100":
                base = try CIFARDataset(paths: [path], variant: config.kind == "cifar10" ? .cifar10 : .cifar100Fine,
                                        classNames: classNames, preprocessing: preprocessing)
            case "npy":
                guard let labels = config.labels else {
                    throw LoupeError(.invalidConfig, location: "dataset.labels", "missing (required for npy datasets)")
                }
                base = try ArrayDataset(imagesPath: path, labelsPath: labels, classNames: classNames, preprocessing: preprocessing)
            case "npz":
                base = try ArrayDataset(npzPath: path, classNames: classNames, preprocessing: preprocessing)
            case "image-folder":
                base = try ImageFolderDataset(root: path, preprocessing: preprocessing)
            default:
                throw LoupeError(.invalidConfig, location: "dataset.kind", "unknown kind '\(config.kind)'")
        }
        guard base.count > 0 else {
            throw LoupeError(.invalidInput, file: path.isEmpty ? config.kind : path, location: "dataset", "the dataset is empty")
        }
        if let names = classNames {
            for (index, label) in base.labels.enumerated() where label < 0 || label >= names.count {
                throw LoupeError(.invalidInput, file: config.labels ?? path, location: "label of image \(index)",
                                 "class \(label) is out of range for \(names.count) class names")
            }
        }
        var ranged = base
        if let range = config.range, range.count == 2 {
            guard range[1] <= base.count else {
                throw LoupeError(.invalidConfig, location: "dataset.range",
                                 "[\(range[0]), \(range[1])) reaches past the dataset's \(base.count) images")
            }
            ranged = SubsetDataset(base, indices: Array(range[0]..<range[1]), tag: "range:\(range[0])-\(range[1])")
        }
        let options = DatasetOptions(limit: config.limit, perClass: config.perClass, seed: UInt64(config.seed))
        let sampled = try ranged.applying(options)
        guard sampled.sampleShape == sampleShape else {
            throw LoupeError(.invalidInput, file: path.isEmpty ? config.kind : path, location: "dataset",
                             "images come out as \(sampled.sampleShape) but the model expects \(sampleShape); set model.preprocessing")
        }
        return sampled
    }
}
