import XCTest
final class LoupeONNXTestsPlaceholder: XCTestCase { func testBuilds() {} }
