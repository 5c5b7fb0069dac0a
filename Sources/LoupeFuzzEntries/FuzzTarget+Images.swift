import Foundation
import LoupeData
import LoupeTensor

extension FuzzTarget {
    /// Decodes images and image datasets, chosen by the input's leading bytes.
    ///
    /// PNG and JPEG go through `ImageCodec` and, when small enough to be quick, the resize and
    /// normalisation an image folder applies. Gzip or an IDX image magic is read as an MNIST image
    /// file; anything else as a CIFAR batch file (CIFAR-10 when its size is a multiple of 3073,
    /// CIFAR-100 otherwise). Datasets then assemble a batch of their first samples.
    static func runImages(_ input: Data) throws {
        let bytes = [UInt8](input)
        if ImageCodec.isPNG(bytes) || ImageCodec.isJPEG(bytes) {
            // A 4-megapixel cap instead of the default 50: the same header check, but mutated
            // headers no longer cost a 150 MB buffer per input.
            let image = try ImageCodec.decode(bytes, name: "input.image", maxPixels: 1 << 22)
            guard image.width * image.height <= 1 << 20 else { return }
            let preprocessing = Preprocessing(channels: 3, resizeTo: [32, 32], mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25])
            _ = preprocessing.apply(image.pixelImage)
        } else if Gzip.isGzip(bytes) || bytes.starts(with: [0, 0, 8, 3]) {
            try runIDX(bytes)
        } else {
            try runCIFAR(input)
        }
    }

    /// Reads the input as IDX images, with a labels file made to match the image count it declares.
    private static func runIDX(_ bytes: [UInt8]) throws {
        let imagesPath = try FuzzScratch.write(Data(bytes), as: "images-idx3-ubyte")
        // The label file holds as many labels as the images header declares (capped), so that a
        // well-formed image file gets as far as assembling a batch.
        let header = Gzip.isGzip(bytes) ? (try? Gzip.decompress(bytes, name: imagesPath, maxBytes: 1 << 16)) ?? [] : bytes
        let declared = header.count >= 8 ? Int(header[4]) << 24 | Int(header[5]) << 16 | Int(header[6]) << 8 | Int(header[7]) : 0
        let count = min(declared, 1 << 16)
        var labels: [UInt8] = [0, 0, 8, 1, UInt8(count >> 24 & 0xFF), UInt8(count >> 16 & 0xFF), UInt8(count >> 8 & 0xFF), UInt8(count & 0xFF)]
        labels += (0..<count).map { UInt8($0 % 10) }
        let labelsPath = try FuzzScratch.write(Data(labels), as: "labels-idx1-ubyte")
        let dataset = try IDXDataset(imagesPath: imagesPath, labelsPath: labelsPath,
                                     preprocessing: Preprocessing(channels: 1, resizeTo: [28, 28]))
        _ = try dataset.batch(Array(0..<min(dataset.count, 4)))
    }

    /// Reads the input as one CIFAR binary batch file with 100 class names given.
    private static func runCIFAR(_ input: Data) throws {
        let path = try FuzzScratch.write(input, as: "data_batch.bin")
        let variant: CIFARDataset.Variant = input.count % CIFARDataset.Variant.cifar10.recordSize == 0 ? .cifar10 : .cifar100Fine
        let dataset = try CIFARDataset(paths: [path], variant: variant, classNames: (0..<100).map { "class\($0)" })
        _ = try dataset.batch(Array(0..<min(dataset.count, 4)))
    }
}
