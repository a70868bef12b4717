-- The documents' template (issue 17, шаблоны документов): the venue's name,
-- its legal details, a logo (PNG or JPEG as documents.NormalizeTemplate
-- left it) and a footer text, printed on every document. One row; its
-- version counts changes.
CREATE TABLE document_template (
    singleton     boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    venue_name    text NOT NULL,
    legal_details text NOT NULL,
    footer        text NOT NULL,
    logo          bytea,
    logo_type     text NOT NULL CHECK (logo_type IN ('', 'image/png', 'image/jpeg')),
    version       integer NOT NULL CHECK (version >= 1),
    updated_at    timestamptz NOT NULL,
    updated_by    text NOT NULL
);
