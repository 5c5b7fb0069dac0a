import XCTest
final class LoupeTensorTestsPlaceholder: XCTestCase { func testBuilds() {} }
