import Foundation
import LoupeData
import LoupeTensor
import LoupeTestSupport
import XCTest

/// PNG colour types beyond RGB(A) and gray, and CMYK/YCCK JPEGs, against Pillow's decode (`make_data_fixtures.py`).
final class CodecColourTypeTests: XCTestCase {
    /// Decodes `file` and checks its size and channel count.
    func decode(_ file: String, _ width: Int, _ height: Int, channels: Int) throws -> DecodedImage {
        let image = try ImageCodec.decodeFile(atPath: fixture(file))
        XCTAssertEqual([image.width, image.height, image.channels], [width, height, channels], file)
        return image
    }

    func testGrayAlphaAndPalettePNGsMatchPillow() throws {
        XCTAssertEqual(try decode("known_la.png", 2, 2, channels: 2).bytes, try npyBytes("known_la_pillow.npy"))
        XCTAssertEqual(try decode("palette.png", 3, 2, channels: 3).bytes, try npyBytes("palette_pillow.npy"))
        // A palette with a transparent entry (tRNS) expands to RGBA.
        XCTAssertEqual(try decode("palette_trns.png", 3, 2, channels: 4).bytes, try npyBytes("palette_trns_pillow.npy"))
    }

    /// 16-bit gray is reduced by `v >> 8` as Pillow does; with 16-bit alpha the alpha matches exactly and so
    /// does the gray under opaque pixels (libpng premultiplies 16-bit colour, so the gray under a transparent
    /// pixel is 0, where Pillow keeps the stored value; compositing on white makes both white).
    func testSixteenBitGrayAndGrayAlphaPNGs() throws {
        XCTAssertEqual(try decode("gray16.png", 3, 2, channels: 1).bytes, try npyBytes("gray16_pillow.npy"))
        let grayAlpha = try decode("gray_alpha16.png", 2, 2, channels: 2).bytes
        let pillow = try npyBytes("gray_alpha16_pillow.npy")
        for pixel in 0..<4 {
            XCTAssertEqual(grayAlpha[2 * pixel + 1], pillow[2 * pixel + 1], "alpha of pixel \(pixel)")
            if pillow[2 * pixel + 1] == 255 { XCTAssertEqual(grayAlpha[2 * pixel], pillow[2 * pixel], "gray of pixel \(pixel)") }
        }
        let composited = try ImageCodec.decodeFile(atPath: fixture("gray_alpha16.png")).pixelImage(channels: 1).values
        XCTAssertEqual(composited[2], 1, accuracy: 1e-6, "a transparent pixel composites to white")
    }

    /// CMYK (Adobe, inverted) and YCCK JPEGs decode to RGB exactly as Pillow decodes and converts them
    /// (tolerance 0: the same libjpeg-turbo decode and Pillow's own rounding), and within JPEG loss of the
    /// RGB image they were made from (mean absolute difference under 4 levels of 255).
    func testCMYKAndYCCKJPEGsDecodeLikePillow() throws {
        let source = try npyBytes("cmyk_source_rgb.npy")
        for (file, reference) in [("cmyk.jpg", "cmyk_jpg_pillow.npy"), ("ycck.jpg", "ycck_jpg_pillow.npy")] {
            let rgb = try decode(file, 16, 12, channels: 3).bytes
            let pillow = try npyBytes(reference)
            let worst = zip(rgb, pillow).map { abs(Int($0) - Int($1)) }.max() ?? 0
            XCTAssertEqual(worst, 0, "\(file): differs from Pillow's RGB by up to \(worst)")
            let loss = Double(zip(rgb, source).map { abs(Int($0) - Int($1)) }.reduce(0, +)) / Double(rgb.count)
            XCTAssertLessThan(loss, 4, "\(file): mean difference \(loss) from the RGB image it was made from")
        }
    }

    /// Without its Adobe marker the same data is plain CMYK (0 = no ink), as libvips and ImageMagick read it;
    /// Pillow assumes Adobe's inverted values for every CMYK file, so here the reference is Pillow's conversion
    /// of the stored values taken as ink amounts.
    func testCMYKWithoutAdobeMarkerIsReadAsPlainCMYK() throws {
        let plain = try decode("cmyk_no_adobe.jpg", 16, 12, channels: 3).bytes
        XCTAssertEqual(plain, try npyBytes("cmyk_no_adobe_expected.npy"))
        XCTAssertNotEqual(plain, try npyBytes("cmyk_jpg_pillow.npy"))
    }
}
