import LoupeTensor

/// How a decoded image becomes the model's C,H,W input; Codable so it reads from a job config.
///
/// Steps, in order: colour conversion to `channels` (see `PixelImage.converted(toChannels:)`),
/// resize (bilinear, antialiased when shrinking), centre crop, channel order, value range,
/// then `(x - mean[c]) / std[c]`. `mean` and `std` are in the units of `valueRange` (so
/// torchvision's ImageNet values 0.485/0.229 go with `.unit`). Example:
/// `Preprocessing(channels: 3, resizeShortSide: 256, centerCrop: [224, 224], mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225])`.
public struct Preprocessing: Codable, Sendable, Equatable {
    /// Order of the colour channels the model expects.
    public enum ChannelOrder: String, Codable, Sendable { case rgb, bgr }
    /// Scale of the values before normalisation: `unit` is [0, 1], `byte` is [0, 255].
    public enum ValueRange: String, Codable, Sendable { case unit, byte }

    /// Channels the model wants: 1 (gray) or 3 (colour).
    public var channels: Int
    /// Resize so the shorter side has this length, keeping the aspect ratio (torchvision `Resize(int)`).
    public var resizeShortSide: Int?
    /// Resize to exactly `[height, width]` (used instead of `resizeShortSide` when both are set).
    public var resizeTo: [Int]?
    /// Crop `[height, width]` from the centre (zero-padded when the image is smaller).
    public var centerCrop: [Int]?
    public var channelOrder: ChannelOrder
    public var valueRange: ValueRange
    /// Per-channel mean subtracted after scaling (one value, or one per channel).
    public var mean: [Float]
    /// Per-channel standard deviation divided by after subtracting the mean.
    public var std: [Float]

    /// Creates preprocessing; the defaults give RGB in [0, 1] with no resize and no normalisation.
    public init(channels: Int = 3, resizeShortSide: Int? = nil, resizeTo: [Int]? = nil, centerCrop: [Int]? = nil,
                channelOrder: ChannelOrder = .rgb, valueRange: ValueRange = .unit,
                mean: [Float] = [0], std: [Float] = [1]) {
        self.channels = channels
        self.resizeShortSide = resizeShortSide
        self.resizeTo = resizeTo
        self.centerCrop = centerCrop
        self.channelOrder = channelOrder
        self.valueRange = valueRange
        self.mean = mean
        self.std = std
    }

    /// Checks the values, throwing a one-line `.invalidConfig` error naming the field.
    public func validate() throws {
        func fail(_ field: String, _ reason: String) -> LoupeError {
            LoupeError(.invalidConfig, location: "preprocessing.\(field)", reason)
        }
        guard channels == 1 || channels == 3 else { throw fail("channels", "must be 1 or 3, got \(channels)") }
        if let side = resizeShortSide, side <= 0 || side > 16384 { throw fail("resizeShortSide", "must be in 1...16384, got \(side)") }
        for (field, size) in [("resizeTo", resizeTo), ("centerCrop", centerCrop)] {
            if let size, size.count != 2 || size.contains(where: { $0 <= 0 || $0 > 16384 }) {
                throw fail(field, "must be [height, width] with each in 1...16384, got \(size)")
            }
        }
        for (field, values) in [("mean", mean), ("std", std)] {
            guard values.count == 1 || values.count == channels else {
                throw fail(field, "needs 1 or \(channels) values, got \(values.count)")
            }
            guard values.allSatisfy({ $0.isFinite }) else { throw fail(field, "values must be finite") }
        }
        guard std.allSatisfy({ $0 != 0 }) else { throw fail("std", "values must be non-zero") }
    }

    /// The `[height, width]` an image of the given size ends up with.
    public func outputSize(height: Int, width: Int) -> (height: Int, width: Int) {
        if let crop = centerCrop, crop.count == 2 { return (crop[0], crop[1]) }
        let resized = resizedSize(height: height, width: width)
        return (resized.height, resized.width)
    }

    /// The `[height, width]` when every image gets it regardless of its own size, else nil.
    public var fixedOutputSize: (height: Int, width: Int)? {
        if let crop = centerCrop, crop.count == 2 { return (crop[0], crop[1]) }
        if let size = resizeTo, size.count == 2 { return (size[0], size[1]) }
        return nil
    }

    /// The size after the resize step alone.
    func resizedSize(height: Int, width: Int) -> (height: Int, width: Int) {
        if let size = resizeTo, size.count == 2 { return (size[0], size[1]) }
        guard let side = resizeShortSide, height > 0, width > 0 else { return (height, width) }
        // torchvision: the long side is int(side * long / short), truncated.
        if height <= width { return (side, max(1, side * width / height)) }
        return (max(1, side * height / width), side)
    }

    /// Applies every step to one image, writing `channels * H * W` values (CHW) at `output`.
    ///
    /// The caller has checked that `outputSize` matches the space at `output`.
    public func apply(_ image: PixelImage, into output: UnsafeMutablePointer<Float>) {
        var current = image.converted(toChannels: channels)
        let target = resizedSize(height: current.height, width: current.width)
        if target.height != current.height || target.width != current.width {
            current = ImageResize.bilinear(current, height: target.height, width: target.width)
        }
        let out = outputSize(height: current.height, width: current.width)
        // torchvision CenterCrop offsets: round((size - crop) / 2), ties to even.
        let top = Int((Double(current.height - out.height) / 2).rounded(.toNearestOrEven))
        let left = Int((Double(current.width - out.width) / 2).rounded(.toNearestOrEven))
        let scale: Float = valueRange == .byte ? 255 : 1
        let plane = out.height * out.width
        current.values.withUnsafeBufferPointer { src in
            for c in 0..<channels {
                let sourceChannel = channelOrder == .bgr && channels == 3 ? 2 - c : c
                let m = mean.count == 1 ? mean[0] : mean[c]
                let inverseStd = 1 / (std.count == 1 ? std[0] : std[c])
                let dst = output + c * plane
                for y in 0..<out.height {
                    let sy = y + top
                    for x in 0..<out.width {
                        let sx = x + left
                        var v: Float = 0
                        if sy >= 0 && sy < current.height && sx >= 0 && sx < current.width {
                            v = src[(sy * current.width + sx) * channels + sourceChannel]
                        }
                        dst[y * out.width + x] = (v * scale - m) * inverseStd
                    }
                }
            }
        }
    }

    /// Applies every step to one image and returns a `[channels, H, W]` tensor.
    public func apply(_ image: PixelImage) -> Tensor {
        let converted = image.channels == channels ? image : image.converted(toChannels: channels)
        let size = outputSize(height: converted.height, width: converted.width)
        var scalars = [Float](repeating: 0, count: channels * size.height * size.width)
        scalars.withUnsafeMutableBufferPointer { buffer in
            if let base = buffer.baseAddress { apply(converted, into: base) }
        }
        return Tensor(shape: [channels, size.height, size.width], scalars: scalars)
    }

    /// Undoes normalisation, range and channel order: a `[C, H, W]` (or `[1, C, H, W]`) tensor back to displayable RGB8.
    ///
    /// Returns interleaved RGB bytes (gray is replicated to three channels); values are clamped
    /// to [0, 255] and rounded. Geometry (resize, crop) is not undone.
    public func displayRGB8(_ tensor: Tensor) throws -> DecodedImage {
        var shape = tensor.shape
        if shape.count == 4 && shape[0] == 1 { shape.removeFirst() }
        guard shape.count == 3, shape[0] == channels else {
            throw LoupeError(.invalidInput, "displayRGB8 needs a [\(channels), H, W] tensor, got \(tensor.shape)")
        }
        let height = shape[1], width = shape[2], plane = height * width
        let toByte: Float = valueRange == .byte ? 1 : 255
        var bytes = [UInt8](repeating: 0, count: plane * 3)
        tensor.scalars.withUnsafeBufferPointer { src in
            for c in 0..<channels {
                let m = mean.count == 1 ? mean[0] : mean[c]
                let s = std.count == 1 ? std[0] : std[c]
                let rgbChannel = channelOrder == .bgr && channels == 3 ? 2 - c : c
                for p in 0..<plane {
                    let value = (src[c * plane + p] * s + m) * toByte
                    let byte = UInt8(max(0, min(255, value.isNaN ? 0 : value.rounded())))
                    if channels == 1 {
                        bytes[p * 3] = byte; bytes[p * 3 + 1] = byte; bytes[p * 3 + 2] = byte
                    } else {
                        bytes[p * 3 + rgbChannel] = byte
                    }
                }
            }
        }
        return DecodedImage(width: width, height: height, channels: 3, bytes: bytes)
    }
}
