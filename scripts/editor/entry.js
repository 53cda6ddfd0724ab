// The entry point of the vendored editor bundle: the parts of Tiptap Charter uses, exposed
// as one global (window.CharterTiptap) for static/js/rich-text.js. Rebuilt by
// scripts/build-editor.sh; never loaded from here at run time.
import { Editor } from "@tiptap/core";
import StarterKit from "@tiptap/starter-kit";

export { Editor, StarterKit };
