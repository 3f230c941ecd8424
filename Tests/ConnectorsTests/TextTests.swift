import Connectors
import Foundation
import HubCore
import Testing

@Suite("text encodings, amounts and dates")
struct TextTests {
    @Test("declared encodings as banks write them", arguments: [
        ("Windows", TextEncoding.cp1251), ("windows-1251", .cp1251), ("Windows-1251", .cp1251), ("DOS", .cp866),
        ("UTF-8", .utf8),
    ])
    func declaredEncodings(value: String, expected: TextEncoding) {
        #expect(TextEncoding(declared: value) == expected)
    }

    @Test("CP1251 and CP866 round-trip every Russian letter")
    func codePages() {
        let alphabet = "АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯабвгдеёжзийклмнопрстуфхцчшщъыьэюяЎў№"
        for encoding in [TextEncoding.cp1251, .cp866] {
            var encoder = CodePageEncoder(encoding: encoding)
            var bytes: [UInt8] = []
            encoder.encode(alphabet, into: &bytes)
            #expect(bytes.count == alphabet.count)
            #expect(encoder.substitutions == 0)
            let decoded = bytes.withUnsafeBufferPointer { LineDecoder(encoding: encoding).decode($0) }
            #expect(decoded == alphabet)
        }
    }

    @Test("Uzbek letters CP1251 cannot hold are transliterated and counted")
    func transliteration() {
        var encoder = CodePageEncoder(encoding: .cp1251)
        var bytes: [UInt8] = []
        encoder.encode("Қўқон Ғалаба Ҳамкор oʻzbek", into: &bytes)
        let decoded = bytes.withUnsafeBufferPointer { LineDecoder(encoding: .cp1251).decode($0) }
        #expect(decoded == "Кўкон Галаба Хамкор o'zbek")
        #expect(encoder.substitutions == 5)
    }

    @Test("amounts are exact decimals", arguments: [
        ("45600000.00", "45600000.00", "45600000"), ("4900", "4900", "4900"), ("0", "0", "0"),
        ("12,50", "12.50", "12.5"), ("0.0001", "0.0001", "0.0001"),
        ("123456789012345678.123456", "123456789012345678.123456", "123456789012345678.123456"),
    ])
    func amounts(text: String, canonical: String, normalized: String) throws {
        let amount = try #require(ExactAmount(parsing: text))
        #expect(amount.text == canonical)
        #expect(amount.normalized == normalized)
        #expect(amount.decimal == Decimal(string: canonical))
    }

    @Test("not amounts", arguments: ["", "12 500,00", "-5", "+5", "1e5", ".5", "5.", "1.2.3", "abc", "1234567890123456789"])
    func notAmounts(text: String) {
        #expect(ExactAmount(parsing: text) == nil)
    }

    @Test("money arithmetic stays exact where floating point would not")
    func exactArithmetic() throws {
        let a = try #require(ExactAmount(parsing: "0.10"))
        let b = try #require(ExactAmount(parsing: "0.20"))
        let c = try #require(ExactAmount(parsing: "0.30"))
        #expect(a.decimal + b.decimal == c.decimal)
        let big = try #require(ExactAmount(parsing: "999999999999999.99"))
        #expect(ExactAmount(big.decimal + a.decimal).text == "1000000000000000.09")
    }

    @Test("dates dd.MM.yyyy, impossible ones refused", arguments: [
        ("15.04.2024", "2024-04-15"), ("29.02.2024", "2024-02-29"), ("31.12.1999", "1999-12-31"),
    ])
    func dates(text: String, iso: String) {
        #expect(CalendarDate(dottedDMY: text)?.iso == iso)
    }

    @Test("impossible dates", arguments: ["31.02.2024", "29.02.2023", "00.01.2024", "15.13.2024", "2024-04-15", "1.4.2024"])
    func impossibleDates(text: String) {
        #expect(CalendarDate(dottedDMY: text) == nil)
    }

    @Test("the encoding sniffer tells CP1251 from CP866 and from UTF-8")
    func sniffer() {
        func sniff(_ text: String, _ encoding: TextEncoding) -> TextEncoding {
            var bytes: [UInt8] = []
            if encoding == .utf8 {
                bytes = Array(text.utf8)
            } else {
                var encoder = CodePageEncoder(encoding: encoding)
                encoder.encode(text, into: &bytes)
            }
            var sniffer = EncodingSniffer()
            bytes.withUnsafeBytes { sniffer.feed($0) }
            return sniffer.encoding
        }
        let text = "НазначениеПлатежа=Оплата по счету №47 за услуги связи, без НДС"
        for encoding in TextEncoding.allCases { #expect(sniff(text, encoding) == encoding) }
        #expect(sniff("Plain ASCII only", .utf8) == .utf8)
    }
}
