import LoupeData
import LoupeTensor
import LoupeTestSupport
import XCTest

final class PreprocessingTests: XCTestCase {
    /// A gray image with the given values, row-major.
    func gray(_ width: Int, _ height: Int, _ values: [Float]) -> PixelImage {
        PixelImage(width: width, height: height, channels: 1, values: values)
    }

    func testBilinearUpscaleUsesHalfPixelCentresAndClampsEdges() {
        // 1-D row [0, 1] to 4 samples: centres at 0.25, 0.75, 1.25, 1.75 of input pixels.
        let up = ImageResize.bilinear(gray(2, 1, [0, 1]), height: 1, width: 4)
        XCTAssertEqual(up.values, [0, 0.25, 0.75, 1])
        let same = ImageResize.bilinear(gray(3, 2, [1, 2, 3, 4, 5, 6]), height: 2, width: 3)
        XCTAssertEqual(same.values, [1, 2, 3, 4, 5, 6])
    }

    func testBilinearDownscaleAveragesInsteadOfAliasing() {
        // A 4-pixel alternating row halved: antialiased output is the local mean with triangle
        // weights over 2 input pixels each side: pixel 0 centre 1.0 → weights .75,.75,.25 on 0,1,2.
        let down = ImageResize.bilinear(gray(4, 1, [0, 1, 0, 1]), height: 1, width: 2)
        XCTAssertEqual(down.values[0], (0.75 * 0 + 0.75 * 1 + 0.25 * 0) / 1.75, accuracy: 1e-6)
        XCTAssertEqual(down.values[1], (0.25 * 1 + 0.75 * 0 + 0.75 * 1) / 1.75, accuracy: 1e-6)
        // Constant images stay constant at any size.
        let flat = ImageResize.bilinear(gray(7, 5, [Float](repeating: 0.3, count: 35)), height: 3, width: 11)
        XCTAssertTrue(flat.values.allSatisfy { abs($0 - 0.3) < 1e-6 })
    }

    func testBilinearMatchesPillowWithinOneLevel() throws {
        // Pillow rounds to 8 bits between its two passes, so agreement is within one level.
        let image = try ImageCodec.decodeFile(atPath: fixture("folder/cat/a.png")).pixelImage
        for (width, height, file) in [(7, 5, "a_7x5_pillow.npy"), (23, 17, "a_23x17_pillow.npy")] {
            let resized = ImageResize.bilinear(image, height: height, width: width)
            let expected = try npyBytes(file)
            XCTAssertEqual(resized.values.count, expected.count)
            let worst = zip(resized.values, expected).map { abs($0 * 255 - Float($1)) }.max() ?? 0
            XCTAssertLessThanOrEqual(worst, 1.01, "\(file): worst difference \(worst) levels")
        }
    }

    func testShortSideResizeAndCentreCropSizes() {
        let p = Preprocessing(channels: 3, resizeShortSide: 256, centerCrop: [224, 224])
        XCTAssertEqual(p.outputSize(height: 427, width: 640).height, 224)
        let resizeOnly = Preprocessing(resizeShortSide: 256)
        XCTAssertTrue(resizeOnly.outputSize(height: 427, width: 640) == (256, 383)) // int(256 * 640 / 427)
        XCTAssertTrue(resizeOnly.outputSize(height: 640, width: 427) == (383, 256))
        XCTAssertNil(resizeOnly.fixedOutputSize)
        XCTAssertTrue(Preprocessing(resizeTo: [10, 20]).fixedOutputSize! == (10, 20))
    }

    func testCentreCropOffsetsAndZeroPadding() {
        // 4x4 ramp, crop 2x2 from the centre: rows 1-2, columns 1-2.
        let ramp = gray(4, 4, (0..<16).map { Float($0) })
        let crop = Preprocessing(channels: 1, centerCrop: [2, 2]).apply(ramp)
        XCTAssertEqual(crop.shape, [1, 2, 2])
        XCTAssertEqual(crop.scalars, [5, 6, 9, 10])
        // 3 wide cropped to 2: offset round(0.5) = 0 (ties to even, like torchvision).
        let odd = Preprocessing(channels: 1, centerCrop: [1, 2]).apply(gray(3, 1, [1, 2, 3]))
        XCTAssertEqual(odd.scalars, [1, 2])
        // Larger crop than the image pads with zeros around it.
        let padded = Preprocessing(channels: 1, centerCrop: [1, 4]).apply(gray(2, 1, [7, 8]))
        XCTAssertEqual(padded.scalars, [0, 7, 8, 0])
    }

    func testNormalisationRangeAndChannelOrder() {
        let pixel = PixelImage(width: 1, height: 1, channels: 3, values: [0.2, 0.4, 0.6])
        let p = Preprocessing(channels: 3, mean: [0.1, 0.2, 0.3], std: [0.5, 0.25, 2])
        let expected: [Float] = [(0.2 - 0.1) / 0.5, (0.4 - 0.2) / 0.25, (0.6 - 0.3) / 2]
        assertClose(p.apply(pixel), Tensor(shape: [3, 1, 1], scalars: expected), relativeTo: 1e-6)
        let bgr = Preprocessing(channels: 3, channelOrder: .bgr, valueRange: .byte, mean: [100], std: [2])
        let out = bgr.apply(pixel).scalars
        XCTAssertEqual(out[0], (0.6 * 255 - 100) / 2, accuracy: 1e-4)
        XCTAssertEqual(out[2], (0.2 * 255 - 100) / 2, accuracy: 1e-4)
        let grayModel = Preprocessing(channels: 1).apply(pixel).scalars
        XCTAssertEqual(grayModel[0], 0.299 * 0.2 + 0.587 * 0.4 + 0.114 * 0.6, accuracy: 1e-6)
    }

    func testDisplayRGB8UndoesNormalisation() throws {
        let image = try ImageCodec.decodeFile(atPath: fixture("known_rgb.png"))
        for p in [Preprocessing(mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225]),
                  Preprocessing(channelOrder: .bgr, valueRange: .byte, mean: [103.9, 116.8, 123.7], std: [1])] {
            let tensor = p.apply(image.pixelImage)
            let back = try p.displayRGB8(tensor.reshaped([1] + tensor.shape))
            XCTAssertEqual(back.bytes, image.bytes)
        }
        let grayBack = try Preprocessing(channels: 1).displayRGB8(Tensor(shape: [1, 1, 2], scalars: [0, 1]))
        XCTAssertEqual(grayBack.bytes, [0, 0, 0, 255, 255, 255])
        XCTAssertThrowsError(try Preprocessing(channels: 3).displayRGB8(Tensor(shape: [1, 2, 2])))
    }

    func testValidationNamesTheField() {
        let cases: [(Preprocessing, String)] = [
            (Preprocessing(channels: 2), "preprocessing.channels"),
            (Preprocessing(centerCrop: [0, 3]), "preprocessing.centerCrop"),
            (Preprocessing(mean: [0, 0]), "preprocessing.mean"),
            (Preprocessing(std: [0]), "preprocessing.std"),
        ]
        for (p, field) in cases {
            XCTAssertThrowsError(try p.validate()) { error in
                XCTAssertTrue("\(error)".contains(field), "\(error)")
            }
        }
    }

    func testCodableRoundTrip() throws {
        let p = Preprocessing(channels: 1, resizeShortSide: 32, centerCrop: [28, 28], channelOrder: .bgr,
                              valueRange: .byte, mean: [0.1307], std: [0.3081])
        let data = try JSONEncoder().encode(p)
        XCTAssertEqual(try JSONDecoder().decode(Preprocessing.self, from: data), p)
    }
}
