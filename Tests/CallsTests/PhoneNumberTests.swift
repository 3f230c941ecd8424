import Calls
import Connectors
import Testing

@Suite struct PhoneNumberTests {
    @Test(arguments: [
        ("998901112233", "+998901112233"), ("+998 90 111-22-33", "+998901112233"), ("901112233", "+998901112233"),
        ("8 90 111 22 33", "+998901112233"), ("0 90 111 22 33", "+998901112233"), ("(71) 200-00-00", "+998712000000"),
        ("00998901112233", "+998901112233"), ("8 (916) 123-45-67", "+79161234567"), ("89161234567", "+79161234567"),
        ("79161234567", "+79161234567"), ("77012345678", "+77012345678"), ("9161234567", "+79161234567"),
        ("tel:+998331112200", "+998331112200"), ("810998901112233", "+998901112233"),
    ])
    func readsToE164(_ text: String, _ e164: String) {
        #expect(PhoneNumber(text)?.e164 == e164, "\(text)")
    }

    @Test(arguments: ["", "101", "sip:dilnoza.karimova@acme-demo.mangosip.ru", "anonymous", "Anonymous", "12345",
                      "s", "vmu101", "abc@host"])
    func extensionsAddressesAndNoNumbersAreNoClientNumber(_ text: String) {
        #expect(PhoneNumber(text) == nil, "\(text)")
    }

    @Test func theRuleIsKeptForReview() {
        #expect(PhoneNumber("0 90 111 22 33")?.rule == "uz-legacy-0")
        #expect(PhoneNumber("8 90 111 22 33")?.rule == "uz-legacy-8")
        #expect(PhoneNumber("998901112233")?.digits == "998901112233")
    }
}
