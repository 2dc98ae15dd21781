import Testing

@testable import BridgeCore

/// How a CSV header's columns fill a pipeline's fields, as Crisp's importer places them.
@Suite struct CSVColumnMappingTests {
    static let fields = ["email", "first_name", "last_name", "phone", "company", "country", "segments", "notepad"]

    func fields(_ mapping: CSVColumnMapping) -> [String] {
        mapping.columns.map { "\($0.header)=\($0.field ?? "-"):\($0.placement.rawValue)" }
    }

    @Test func anExportsHeaderFillsTheFieldsWhateverItsCaseSpacingOrSynonyms() throws {
        let mapping = try CSVColumnMapping(
            header: [
                "Email Address", "First Name", "SURNAME", "Phone-Number", "Company Name", "country", "Tags",
                "data.plan", "Favourite Colour",
            ], fields: Self.fields, given: [:])
        #expect(
            fields(mapping) == [
                "Email Address=email:matched", "First Name=first_name:matched", "SURNAME=last_name:matched",
                "Phone-Number=phone:matched", "Company Name=company:matched", "country=country:same",
                "Tags=segments:matched", "data.plan=data.plan:data", "Favourite Colour=-:ignored",
            ])
        #expect(!mapping.isIdentity)
        #expect(mapping.key(at: 8) == "Favourite Colour", "an ignored column keeps its own name")
        #expect(mapping.missing(["email", "notepad"]) == ["notepad"])
        #expect(mapping.description.contains("Favourite Colour → ignored"))
        for (name, field) in [
            ("E-mail", "email"), ("e_mail", "email"), ("given name", "first_name"),
            ("Family Name", "last_name"), ("Mobile", "phone"), ("Organisation", "company"), ("Labels", "segments"),
            ("Notes", "notepad"),
        ] {
            #expect(try CSVColumnMapping(header: [name], fields: Self.fields, given: [:]).columns[0].field == field)
        }
    }

    @Test func aColumnNamedAsTheFieldWinsOverASynonymAndTwoOfOneKindAreRefused() throws {
        let both = try CSVColumnMapping(header: ["Email Address", "email"], fields: Self.fields, given: [:])
        #expect(fields(both) == ["Email Address=-:ignored", "email=email:same"])
        #expect(throws: BridgeCoreError.self) {
            try CSVColumnMapping(header: ["E-mail", "Email Address"], fields: Self.fields, given: [:])
        }
        do {
            _ = try CSVColumnMapping(header: ["E-mail", "Email Address"], fields: Self.fields, given: [:])
        } catch {
            #expect(error.kind == .mapping)
            #expect(error.message.contains("'E-mail' and 'Email Address' both fill 'email'"), "\(error.message)")
        }
        // The user's mapping settles it.
        let settled = try CSVColumnMapping(
            header: ["E-mail", "Email Address"], fields: Self.fields, given: ["E-mail": ""])
        #expect(fields(settled) == ["E-mail=-:left", "Email Address=email:matched"])
    }

    @Test func theUsersMappingComesFirstAndIsChecked() throws {
        let mapping = try CSVColumnMapping(
            header: ["Work", "Email", "Colour"], fields: Self.fields,
            given: ["Work": "email", "Email": "", "Colour": "data.colour"])
        #expect(fields(mapping) == ["Work=email:given", "Email=-:left", "Colour=data.colour:given"])
        do {
            _ = try CSVColumnMapping(header: ["Email"], fields: Self.fields, given: ["Mail": "email"])
            Issue.record("a mapping of a missing column was taken")
        } catch {
            #expect(error.message.contains("names the column 'Mail', which the header does not have (it has: Email)"))
        }
        do {
            _ = try CSVColumnMapping(header: ["Email"], fields: Self.fields, given: ["Email": "mail"])
            Issue.record("a mapping to an unknown field was taken")
        } catch {
            #expect(error.message.contains("'mail', which is not a field of the pipeline"))
        }
    }

    @Test func withoutFieldsColumnsKeepTheirNames() throws {
        let mapping = try CSVColumnMapping(header: ["Email Address", "data.x"], fields: [], given: [:])
        #expect(fields(mapping) == ["Email Address=Email Address:same", "data.x=data.x:data"])
        #expect(mapping.isIdentity)
        let given = try CSVColumnMapping(header: ["1", "2"], fields: [], given: ["1": "email"])
        #expect(fields(given) == ["1=email:given", "2=2:same"])
    }
}
