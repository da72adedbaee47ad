/* placeholder */
    .section .note.GNU-stack,"",@progbits
